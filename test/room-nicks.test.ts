import test from 'brittle'
import { names } from '../src/room/names.js'
import { type Cli, runCli, spawnCli, testnet } from './helpers/index.js'
import { createRoom, stop } from './helpers/rooms.js'

test('no member can be shown as another: a copied name is refused, a look-alike is tagged, the gateway names members as the CLI', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  alice.cli!.write('/members\n')
  const aliceKey = (await alice.cli!.errLine(/ alice {2}creator/)).split(' ')[0]!

  // the creator's shown form, as a nick: refused before anything is stored
  const copy = await runCli(['room', 'join', invite, '--nick', `alice~${aliceKey.slice(0, 6)}`, '--timeout', '5', ...net], { storage: await t.tmp() })
  t.is(copy.code, 2, 'a nick shaped like NAME~TAG is refused')
  t.ok(/nick refused: a nick cannot contain '~'/.test(copy.err), copy.err)

  // a look-alike (capital I for l) gets in, and then both are tagged
  const mallory = { storage: await t.tmp(), nick: 'AIice', cli: null as Cli | null }
  mallory.cli = spawnCli(t, ['room', 'join', invite, '--name', 'r', '--nick', mallory.nick, ...net], { storage: mallory.storage })
  const joined = await mallory.cli.errLine(/^hyperfeed: joined room /, { timeout: 30_000 })
  const malloryKey = joined.slice(-65, -1)
  const shown = names([{ key: aliceKey, nick: 'alice' }, { key: malloryKey, nick: mallory.nick }])
  t.is(shown.get(aliceKey), `alice~${aliceKey.slice(0, 6)}`, 'the creator is tagged once a look-alike joins')
  t.is(shown.get(malloryKey), `AIice~${malloryKey.slice(0, 6)}`)
  await alice.cli!.line(`* ${shown.get(malloryKey)!} joined`)
  alice.cli!.write('the real one\n')
  await mallory.cli!.line(`${shown.get(aliceKey)!}: the real one`)
  mallory.cli!.write('trust me\n')
  const seen = await alice.cli!.line(/: trust me$/)
  t.ok(seen.endsWith(`] ${shown.get(malloryKey)!}: trust me`), seen)

  // the page's names come from the gateway: the same as the CLI's
  await stop(mallory)
  const s = spawnCli(t, ['serve', '--room', 'r', '--port', '0', ...net], { storage: mallory.storage })
  const url = await s.line(/^http:\/\//)
  const members = await (await fetch(new URL('/api/members', url))).json() as { key: string, name: string }[]
  t.alike(members.map(m => m.name), [shown.get(aliceKey), shown.get(malloryKey)])
  t.is((await s.stop()).code, 0)
  await stop(alice)
})
