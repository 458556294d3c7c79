import test from 'brittle'
import { netOptions, network, reader, spawnCli, take, testnet, writer } from './helpers/index.js'

const PAIRS = 6
// generous for a process to start on a loaded machine; the failure this guards
// against holds data back for 25 to 70 s
const DELIVER_WITHIN = 10_000

// Two default hyperdht nodes in separate processes often "connect" with no data
// flowing over loopback; hyperfeed nodes on a self-bootstrapped DHT must not.
test(`${PAIRS} writer/viewer process pairs in a row each deliver within ${DELIVER_WITHIN / 1000}s`, async (t) => {
  const { flag } = await testnet(t)
  const times: number[] = []
  const within = (p: Promise<unknown>) => p.then(() => true, () => false)
  for (let i = 0; i < PAIRS; i++) {
    const w = spawnCli(t, ['write', '--nick', 'pair', '--bootstrap', flag], { storage: await t.tmp() })
    const key = await w.line(/^[0-9a-f]{64}$/)
    w.write(`pair ${i}\n`)
    const started = Date.now()
    const v = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() })
    const first = await within(v.line(`pair: pair ${i}`, { timeout: DELIVER_WITHIN }))
    times.push(Date.now() - started)
    t.ok(first, `pair ${i}: the viewer printed the first entry ${first ? `after ${times[i]} ms` : `not within ${DELIVER_WITHIN} ms`}`)
    w.write(`pair ${i} live\n`)
    t.ok(await within(v.line(`pair: pair ${i} live`, { timeout: DELIVER_WITHIN })), `pair ${i}: and a live entry`)
    await Promise.all([v.stop(), w.stop()])
    t.is(v.stdout.lines.length, 2, `pair ${i}: each entry once`)
  }
  t.comment(`viewer start to first entry (ms): ${times.join(', ')}`)
})

test('a writer and a viewer that join at the same moment still find each other within seconds', { timeout: 60_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  for (let round = 0; round < 3; round++) {
    const w = await writer(t, 'same-moment-' + round)
    await w.append({ type: 'hello', round })
    const v = await reader(t, w.key)
    const started = Date.now()
    // both lookups run before either announce has landed: neither finds the other at first
    await Promise.all([network(t, w, netOptions(bootstrap)), network(t, v, netOptions(bootstrap))])
    const [entry] = await take(v, 1)
    t.ok(entry && 'value' in entry && entry.value.round === round, `round ${round}: connected and read in ${Date.now() - started} ms`)
    t.ok(Date.now() - started < 10_000)
  }
})
