import test from 'brittle'
import { runCli, spawnCli, testnet } from './helpers/index.js'
import { chatRoom, createRoom, joinRoom, once, stop, texts } from './helpers/rooms.js'

const SECRET = 'posted after bob left'
type R = Awaited<ReturnType<typeof once>>
const offline = ['--no-swarm', '--peer', 'ws://127.0.0.1:9']

test('a removed member reads nothing posted after its removal: live, --once, its gateway; the others read it, offline ones too', { timeout: 240_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  // bob's storage is then recorded as joined (a removed joiner's is not yet: another part of issue 18)
  await stop(bob)
  await chatRoom(t, bob, net).line(/^\* bob joined$/)
  alice.cli!.write('/invite\n')
  const carol = await joinRoom(t, (await alice.cli!.errLine(/^invite: /)).slice('invite: '.length), net, { nick: 'carol' })
  bob.cli!.write('bob before\n')
  await carol.cli!.line(/bob: bob before$/, { timeout: 20_000 })
  await alice.cli!.line(/bob: bob before$/, { timeout: 20_000 })
  // carol is offline while bob is removed and alice posts: she catches up later
  await stop(carol)

  alice.cli!.write('/members\n')
  const bobKey = (await alice.cli!.errLine(/ bob  added by alice/)).split(' ')[0]!
  alice.cli!.write(`/remove ${bobKey}\n`)
  await alice.cli!.errLine(`removed bob (${bobKey})`)
  await bob.cli!.line(/^\* alice removed bob$/, { timeout: 20_000 })
  alice.cli!.write(SECRET + '\n')
  await alice.cli!.line(new RegExp(`alice: ${SECRET}$`))
  const unreadable = await bob.cli!.line(/^! #\d+ unreadable: sealed with the key of epoch [0-9a-f]{16}, which this member does not hold \(from alice\)$/, { timeout: 20_000 })
  t.pass(`bob's live chat: ${unreadable}`)

  chatRoom(t, carol, net)
  await carol.cli!.line(new RegExp(`alice: ${SECRET}$`), { timeout: 30_000 })
  carol.cli!.write('carol is back\n')
  await alice.cli!.line(/carol: carol is back$/, { timeout: 20_000 })
  await Promise.all([alice, bob, carol].map(stop))

  const [a, b, c] = (await Promise.all([alice, bob, carol].map(m => once(m, offline, { timeout: 1 })))) as [R, R, R]
  t.alike(texts(a.stdout), ['bob before', SECRET, 'carol is back'])
  t.is(c.out, a.out, 'carol prints the same bytes as alice')
  t.alike(texts(b.stdout), ['bob before'], 'bob\'s storage: nothing after the removal')
  t.absent(b.out.includes(SECRET), 'not even inside an error')
  t.ok(b.stdout.some(l => /"author":"[0-9a-f]{64}","authorSeq":\d+,"error":"sealed with the key of epoch/.test(l)), 'the entry shows as sealed')

  const gateway = spawnCli(t, ['serve', '--room', 'r', '--port', '0', ...offline], { storage: bob.storage })
  const url = await gateway.line(/^http:\/\//)
  const served = await (await fetch(url + 'api/entries')).text()
  t.absent(served.includes(SECRET), 'bob\'s gateway does not serve it')
  t.ok(served.includes('bob before'), 'but serves what bob could read')
  t.is((await gateway.stop()).code, 0)
  t.is((await runCli(['room', 'info', '--name', 'r', '--json'], { storage: bob.storage })).code, 0)
})
