import test from 'brittle'
import { sleep, spawnCli, testnet } from './helpers/index.js'

const SILENCE = 62_000

// Hypercore 11 may close idle per-core channels; a quiet feed must still
// deliver its next entry to a live viewer.
test('a live viewer still receives an entry appended after 60 s of silence', { timeout: SILENCE + 40_000 }, async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--nick', 'q', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write('before the silence\n')
  const v = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() })
  await v.line('q: before the silence')
  await sleep(SILENCE)
  const sent = Date.now()
  w.write('after the silence\n')
  await v.line('q: after the silence', { timeout: 10_000 })
  t.comment(`delivered ${Date.now() - sent} ms after a ${SILENCE / 1000} s silence`)
  t.is(v.stdout.lines.length, 2)
})
