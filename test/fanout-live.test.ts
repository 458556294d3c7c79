import test from 'brittle'
import { type Cli, netOptions, network, sleep, spawnCli, testnet, writer } from './helpers/index.js'

const VIEWERS = 8
const ROUNDS = 3
const BURST = 1000
// appended 50 at a time every 10 ms: 5,000 entries/s, as in the fan-out bench
const STEP = 50
const ROUND_DEADLINE = 60_000

// Issue 19: `hyperfeed view` processes following one live writer, each with
// its own storage and a follower's small connection budget; after each burst
// every viewer has printed every entry, in order, once.
test('every live viewer of a busy writer prints every entry', { timeout: 170_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const w = await writer(t)
  await network(t, w, netOptions(bootstrap))
  await w.append({ type: 'n', i: 0 })
  const viewers: Cli[] = []
  for (let i = 0; i < VIEWERS; i++) viewers.push(spawnCli(t, ['view', w.key.toString('hex'), '--json', '--bootstrap', flag], { storage: await t.tmp() }))
  await Promise.all(viewers.map(v => v.line(/"seq":0/, { timeout: 60_000 })))

  let total = 1
  for (let round = 0; round < ROUNDS; round++) {
    const started = Date.now()
    for (let i = 0; i < BURST; i += STEP) {
      await w.append(Array.from({ length: STEP }, (_, j) => ({ type: 'n', i: total + i + j })))
      await sleep(10)
    }
    total += BURST
    const deadline = started + ROUND_DEADLINE
    while (viewers.some(v => v.stdout.lines.length < total) && Date.now() < deadline) await sleep(100)
    const counts = viewers.map(v => v.stdout.lines.length)
    t.ok(counts.every(c => c === total), `round ${round + 1}: every viewer printed ${total} entries (${counts.join(', ')}) in ${Date.now() - started} ms`)
  }
  for (const [n, v] of viewers.entries()) {
    const seqs = v.stdout.lines.map(l => (JSON.parse(l) as { seq: number }).seq)
    t.ok(seqs.every((s, i) => s === i), `viewer ${n}: entries 0..${total - 1} in order, each once`)
  }
})
