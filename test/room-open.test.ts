import test from 'brittle'
import { type Cli, sleep, spawnCli, testnet } from './helpers/index.js'

const STAMP_BITS = '10'

test('an open room: joined with its key and a nick (no invite), and its creator can still remove a member', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const alice = spawnCli(t, ['room', 'create', '--open', '--stamp-bits', STAMP_BITS, '--name', 'r', '--nick', 'alice', ...net], { storage: await t.tmp() })
  const key = await alice.line(/^[0-9a-f]{64}$/)
  await alice.line('* alice created the room')
  await alice.errLine(`others join with: hyperfeed room join ${key} --nick NAME`)

  const bob = spawnCli(t, ['room', 'join', key, '--name', 'r', '--nick', 'bob', ...net], { storage: await t.tmp() })
  const joined = await bob.errLine(/^hyperfeed: joined room /, { timeout: 30_000 })
  const bobKey = joined.slice(-65, -1)
  await alice.line('* bob joined')
  alice.write('welcome\n')
  await bob.line(/alice: welcome$/)
  bob.write('thanks\n')
  await alice.line(/bob: thanks$/)

  alice.write('/members\n')
  await alice.errLine(`${bobKey}  bob  joined the open room  (member)`)
  alice.write(`/remove ${bobKey}\n`)
  await alice.errLine(`removed bob (${bobKey})`)
  await bob.line('* alice removed bob')
  bob.write('still here?\n')
  await sleep(1500)
  t.absent(alice.stdout.lines.some(l => l.includes('still here?')), 'a removed member\'s posts stay out')
  for (const c of [alice, bob]) t.is((await c.stop()).code, 0)
})

test('the tutorials\' three nodes, one command each: serve --room NAME --open, then --join KEY with HTTP_PORT, P2P_PORT and PEERS; /mine and /blocks', { timeout: 150_000 }, async (t) => {
  const p2p = 30_000 + Math.floor(Math.random() * 20_000)
  const node = async (env: Record<string, string>, args: string[]): Promise<{ cli: Cli, url: string }> => {
    const cli = spawnCli(t, ['serve', '--room', 'net', '--no-swarm', ...args], { storage: await t.tmp(), env: { HTTP_PORT: '0', ...env } })
    return { cli, url: await cli.line(/^http:\/\//, { timeout: 60_000 }) }
  }
  const n1 = await node({ P2P_PORT: String(p2p) }, ['--open', '--stamp-bits', STAMP_BITS, '--nick', 'one'])
  const { key } = await (await fetch(n1.url + 'api/info')).json() as { key: string }
  await n1.cli.errLine(`other nodes join with: hyperfeed serve --room net --join ${key}`)
  const [n2, n3] = await Promise.all([
    node({ P2P_PORT: String(p2p + 1), PEERS: `ws://localhost:${p2p}` }, ['--join', key, '--nick', 'two']),
    node({ P2P_PORT: String(p2p + 2), PEERS: `ws://localhost:${p2p}` }, ['--join', key, '--nick', 'three'])
  ])
  for (const n of [n2!, n3!]) {
    const info = await (await fetch(n.url + 'api/info')).json() as { member: boolean, key: string }
    t.alike([info.member, info.key], [true, key], 'joined the open room before serving it')
  }

  const mine = (n: { url: string }, data: unknown) => fetch(n.url + 'mine', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) })
  const first = await mine(n3!, 'from the third node')
  t.is(first.status, 201)
  t.is((await first.json() as { height: number }).height, 0)
  const blocksOf = async (url: string) => JSON.stringify(await (await fetch(url + 'blocks')).json())
  const deadline = Date.now() + 30_000
  let all: string[] = []
  while (Date.now() < deadline) {
    all = await Promise.all([n1, n2!, n3!].map(n => blocksOf(n.url)))
    if (all.every(x => x === all[0]) && JSON.parse(all[0]!).length === 1) break
    await sleep(200)
  }
  t.ok(all.every(x => x === all[0]), 'GET /blocks is the same on all three nodes')
  t.alike(JSON.parse(all[0]!).map((b: { data: unknown }) => b.data), ['from the third node'])
  const members = await (await fetch(n1.url + 'api/members')).json() as { name: string }[]
  t.alike(members.map(m => m.name).sort(), ['one', 'three', 'two'], 'three members')
  for (const n of [n1, n2!, n3!]) t.is((await n.cli.stop()).code, 0)
})
