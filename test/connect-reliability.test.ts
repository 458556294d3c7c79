import test from 'brittle'
import { spawnCli, testnet } from './helpers/index.js'

const PAIRS = 6
const DELIVER_WITHIN = 5000

// Two default hyperdht nodes in separate processes often "connect" with no data
// flowing over loopback; hyperfeed nodes on a self-bootstrapped DHT must not.
test(`${PAIRS} writer/viewer process pairs in a row each deliver within ${DELIVER_WITHIN / 1000}s`, async (t) => {
  const { flag } = await testnet(t)
  const times: number[] = []
  for (let i = 0; i < PAIRS; i++) {
    const w = spawnCli(t, ['write', '--nick', 'pair', '--bootstrap', flag], { storage: await t.tmp() })
    const key = await w.line(/^[0-9a-f]{64}$/)
    w.write(`pair ${i}\n`)
    const started = Date.now()
    const v = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() })
    await v.line(`pair: pair ${i}`, { timeout: DELIVER_WITHIN })
    times.push(Date.now() - started)
    w.write(`pair ${i} live\n`)
    await v.line(`pair: pair ${i} live`, { timeout: DELIVER_WITHIN })
    await Promise.all([v.stop(), w.stop()])
  }
  t.comment(`viewer start to first entry (ms): ${times.join(', ')}`)
  t.is(times.length, PAIRS)
})
