import path from 'node:path'
import test from 'brittle'
import { runCli, spawnCli, testnet } from './helpers/index.js'

// The walkthrough of the README: no --storage, one user, two terminals.
test('writer and viewer run side by side in the default storage; restarts keep everything', async (t) => {
  const { flag } = await testnet(t)
  const home = await t.tmp()
  const env = { HOME: home, XDG_DATA_HOME: undefined, HYPERFEED_STORAGE: undefined }
  const storage = path.join(home, '.local', 'share', 'hyperfeed')

  const w = spawnCli(t, ['write', '--nick', 'alice', '--bootstrap', flag], { env })
  const key = await w.line(/^[0-9a-f]{64}$/)
  t.ok((await w.errLine(/writing feed/)).includes(path.join(storage, 'writers', 'default')))
  w.write('first\nsecond\n')

  const v = spawnCli(t, ['view', key, '--bootstrap', flag], { env })
  await v.line('alice: second')
  await v.stop()

  // a followed feed is found by info in the same storage
  const info = JSON.parse((await runCli(['info', key, '--json'], { env })).out)
  t.is(info.length, 2)
  t.is(info.storage, path.join(storage, 'writers', 'default'), 'this storage wrote it')

  // the writer goes away; the restarted viewer shows its copy at once, offline
  await w.stop()
  const offline = spawnCli(t, ['view', key, '--bootstrap', flag], { env })
  const started = Date.now()
  await offline.line('alice: second', { timeout: 5000 })
  t.ok(Date.now() - started < 3000, `stored entries shown after ${Date.now() - started} ms with no peer`)

  // the writer comes back with the same key and entries, and the viewer catches up
  const w2 = spawnCli(t, ['write', '--nick', 'alice', '--bootstrap', flag], { env })
  t.is(await w2.line(/^[0-9a-f]{64}$/), key)
  await w2.errLine('(2 entries)')
  w2.write('third\n')
  await offline.line('alice: third', { timeout: 15_000 })
  t.alike(offline.stdout.lines.map(l => l.replace(/^\(\d+\) \[[0-9:]+\] /, '')), ['alice: first', 'alice: second', 'alice: third'], 'no duplicates')
})

test('info finds a feed this storage only follows', async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write('x\ny\nz\n')
  const storage = await t.tmp()
  t.is((await runCli(['view', key, '--once', '--bootstrap', flag], { storage })).code, 0)
  const r = await runCli(['info', key], { storage })
  t.is(r.code, 0)
  t.ok(r.out.includes('stored here:    3 of 3 entries'))
  t.ok(r.out.includes('writable:       no, this storage follows it'))
  const missing = await runCli(['info', 'd'.repeat(64)], { storage })
  t.is(missing.code, 1)
  t.alike(missing.stderr, [`hyperfeed: feed ${'d'.repeat(64)} is not in ${storage} (follow it first: hyperfeed view ${'d'.repeat(64)})`])
})
