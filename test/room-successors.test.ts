import test from 'brittle'
import { type Cli, runCli, sleep, spawnCli, testnet } from './helpers/index.js'
import { type Member, createRoom, joinRoom, stop } from './helpers/rooms.js'

interface Info { length: number, signedLength: number }

// `serve --room`'s /api/info until every entry it holds is settled
async function settled (url: string, min: number, timeout = 90_000): Promise<Info> {
  const deadline = Date.now() + timeout
  let info: Info = { length: 0, signedLength: 0 }
  while (Date.now() < deadline) {
    info = await (await fetch(new URL('/api/info', url))).json() as Info
    if (info.length >= min && info.signedLength === info.length) return info
    await sleep(250)
  }
  throw new Error(`not settled within ${timeout} ms: ${JSON.stringify(info)}`)
}

async function serve (t: test.Assert, m: Member, net: string[]): Promise<{ cli: Cli, url: string }> {
  await stop(m)
  const cli = spawnCli(t, ['serve', '--room', 'r', '--port', '0', ...net], { storage: m.storage })
  return { cli, url: await cli.line(/^http:\/\//) }
}

test('a room outlives its creator: promoted members settle the order and remove a member with the creator gone for good', { timeout: 240_000 }, async (t) => {
  const { flag } = await testnet(t)
  const t0 = Date.now()
  const mark = (what: string) => t.comment(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const invites = [invite]
  for (let i = 0; i < 2; i++) {
    alice.cli!.write('/invite\n')
    invites.push((await alice.cli!.errLine(/^invite: /, { from: alice.cli!.stderr.lines.length })).slice('invite: '.length))
  }
  const [bob, carol, dan] = await Promise.all(['bob', 'carol', 'dan'].map((nick, i) => joinRoom(t, invites[i]!, net, { nick }))) as [Member, Member, Member]
  mark('joined')
  alice.cli!.write('/members\n')
  const keyOf = async (nick: string) => (await alice.cli!.errLine(new RegExp(`^[0-9a-f]{64} {2}${nick} {2}added by alice`))).slice(0, 64)
  const [bobKey, carolKey, danKey] = [await keyOf('bob'), await keyOf('carol'), await keyOf('dan')]

  // carol is no admin yet
  carol.cli!.write(`/remove ${danKey}\n`)
  await carol.cli!.errLine(/refused: only an admin can remove another member/)
  alice.cli!.write(`/promote ${bobKey},${carolKey}\n`)
  await alice.cli!.errLine(`bob (${bobKey}): admin, indexer`)
  await alice.cli!.errLine(`carol (${carolKey}): admin, indexer`)

  mark('promoted')
  // the promotion settles (alice alone signs it), then the new indexers sign
  carol.cli!.write('signed by the three\n')
  await alice.cli!.line(/carol: signed by the three$/)
  const a = await serve(t, alice, net)
  const before = await settled(a.url, 0)
  mark('settled with alice')
  t.comment(`with alice: ${before.signedLength} settled of ${before.length}`)
  a.cli.proc.kill('SIGKILL')
  await a.cli.exited

  // alice is gone for good: bob, an admin now, removes dan, and the room settles
  bob.cli!.write(`/remove ${danKey}\n`)
  await bob.cli!.errLine(/^removed dan/)
  bob.cli!.write('after alice\n')
  await carol.cli!.line(/bob: after alice$/)
  mark('removed')
  const b = await serve(t, bob, net)
  mark('bob serves')
  const after = await settled(b.url, before.length + 2)
  t.ok(after.signedLength > before.signedLength, `settled ${before.signedLength} -> ${after.signedLength} without the creator`)
  mark('settled without alice')
  t.is((await b.cli.stop()).code, 0)

  const info = JSON.parse((await runCli(['room', 'info', '--name', 'r', '--json'], { storage: bob.storage })).out)
  const three = [info.creator, bobKey, carolKey].sort()
  t.alike(info.indexers.sort(), three, 'room info lists the indexers')
  t.alike(info.admins.sort(), three, 'and the admins')
  t.is(info.members.find((m: { key: string }) => m.key === danKey).removed.by, bobKey, 'dan was removed by bob')
  t.is(info.signedLength, info.length, 'room info: everything settled')
  const human = (await runCli(['room', 'info', '--name', 'r'], { storage: bob.storage })).out
  t.ok(/indexers: +alice, (bob, carol|carol, bob): settles while 2 of 3 are online/.test(human), human)
  await Promise.all([stop(carol), stop(dan)])
})
