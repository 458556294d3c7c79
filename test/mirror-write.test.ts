import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { toHex } from '../src/index.js'
import { runCli, spawnCli, testnet } from './helpers/index.js'
import { identityOf } from './helpers/mirror.js'

const HEX = /^[0-9a-f]{64}$/

test('write --mirror: a bad key is one line and exit 2, creating nothing (flag and HYPERFEED_MIRRORS)', async (t) => {
  const storage = path.join(await t.tmp(), 'not-yet')
  for (const [args, env] of [[['--mirror', 'nope'], {}], [[], { HYPERFEED_MIRRORS: `${'a'.repeat(64)},zz` }]] as const) {
    const r = await runCli(['write', ...args], { storage, env, input: 'hi\n' })
    t.is(r.code, 2, r.err)
    t.is(r.stderr.length, 1, r.err)
    t.ok(/^hyperfeed: not a mirror key: "(nope|zz)" \(expected 64 hex/.test(r.stderr[0] ?? ''), r.err)
    t.absent(fs.existsSync(storage), 'nothing created')
  }
})

test('write --mirror: the writer connects with the storage identity, the mirror keeps the feed (announced for a trusted identity), the feed remembers its mirrors (info, a later write without the flag); an unreachable mirror is one warning and writing goes on', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const w = await identityOf(t)
  const id = toHex(w.keyPair.publicKey)
  const m = spawnCli(t, ['mirror', '--trust', id, '--bootstrap', flag], { storage: await t.tmp() })
  const key = await m.line(HEX)
  const nowhere = toHex(Buffer.alloc(32, 7))

  const first = spawnCli(t, ['write', '--mirror', key, '--nick', 'w', '--bootstrap', flag], { storage: w.dir })
  const feedKey = await first.line(HEX)
  first.write('one\ntwo\n')
  await first.errLine(`mirror ${key} is keeping this feed`)
  await m.errLine(`mirror: keeping core ${feedKey} for ${id} (announced)`)
  t.is((await first.stop()).code, 0)

  const info = await runCli(['info', '--name', 'default', '--json'], { storage: w.dir })
  t.alike(JSON.parse(info.out).mirrors, [key], 'info lists the mirror')
  t.is(JSON.parse(info.out).length, 3, 'two lines and the mirrors entry')

  // no flag: the remembered mirror; plus one that never answers (env)
  const again = spawnCli(t, ['write', '--ack', '--nick', 'w', '--bootstrap', flag], { storage: w.dir, env: { HYPERFEED_MIRRORS: nowhere } })
  t.is(await again.line(HEX), feedKey)
  await again.errLine(`mirror ${key} is keeping this feed`)
  again.write('three\n')
  t.is(await again.line(/^ok /), 'ok 4', 'writing goes on (seq 3 is the new mirrors entry)')
  await again.errLine(new RegExp(`^hyperfeed: mirror: mirror ${nowhere} is unreachable`), { timeout: 20_000 })
  again.write('four\n')
  await again.line('ok 5')
  t.is((await again.stop()).code, 0)
  t.is(again.stderr.lines.filter(l => l.includes(nowhere) && l.includes('unreachable')).length, 1, 'one warning')
  const after = await runCli(['info', '--name', 'default', '--json'], { storage: w.dir })
  t.alike(JSON.parse(after.out).mirrors, [key, nowhere])
  t.is((await m.stop()).code, 0)
})
