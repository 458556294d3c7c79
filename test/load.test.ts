import test from 'brittle'
import { Feed, Network, Store, chat } from '../src/index.js'
import { netOptions, network, sleep, spawnCli, testnet, writer, type Cli } from './helpers/index.js'

const VIEWERS = 20
const ENTRIES = 5000

test(`one writer, ${VIEWERS} viewer processes following at once, ${ENTRIES} entries appended while they follow`, { timeout: 240_000 }, async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--json', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write(JSON.stringify({ type: 'start' }) + '\n')

  const viewers: Cli[] = []
  // LOAD_MAX_PEERS=N caps each viewer's connections (view --max-peers N)
  const cap = process.env.LOAD_MAX_PEERS ? ['--max-peers', process.env.LOAD_MAX_PEERS] : []
  for (let i = 0; i < VIEWERS; i++) viewers.push(spawnCli(t, ['view', key, '--json', '--bootstrap', flag, ...cap], { storage: await t.tmp() }))
  await Promise.all(viewers.map(v => v.line(/"seq":0,/, { timeout: 60_000 })))

  // each entry carries the time it was written; lag = printed - written
  const lags: number[] = []
  const slowest: number[] = Array(VIEWERS).fill(0)
  const started = Date.now()
  const receiving = viewers.map(async (v, n) => {
    await v.line(new RegExp(`"seq":${ENTRIES},`), { timeout: 120_000 })
    return Date.now()
  })
  for (const [n, v] of viewers.entries()) {
    v.proc.stdout!.on('data', () => {
      const now = Date.now()
      for (let i = (v as Cli & { seen?: number }).seen ?? 1; i < v.stdout.lines.length; i++) {
        const m = /"sent":(\d+)/.exec(v.stdout.lines[i]!)
        if (m) {
          const lag = now - Number(m[1])
          lags.push(lag)
          slowest[n] = Math.max(slowest[n]!, lag)
        }
      }
      ;(v as Cli & { seen?: number }).seen = v.stdout.lines.length
    })
  }
  for (let i = 0; i < ENTRIES; i += 50) {
    w.write(Array.from({ length: 50 }, (_, j) => JSON.stringify({ type: 'n', i: i + j, sent: Date.now() })).join('\n') + '\n')
    await sleep(10)
  }
  const done = await Promise.all(receiving)
  const full = Math.max(...done) - started

  for (const v of viewers) {
    const seqs = v.stdout.lines.map(l => Number(/^\{"seq":(\d+),/.exec(l)![1]))
    if (seqs.length !== ENTRIES + 1 || !seqs.every((s, i) => s === i)) t.fail(`a viewer got ${seqs.length} lines, not every entry once in order`)
  }
  t.pass(`all ${VIEWERS} viewers got all ${ENTRIES + 1} entries once, in order`)
  lags.sort((a, b) => a - b)
  const p = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]
  t.comment(`${cap.length ? `viewers with ${cap.join(' ')}: ` : ''}full delivery to ${VIEWERS} viewers ${full} ms after the first append (appending took ~${Math.round(ENTRIES / 50 * 10.5)} ms); lag p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, slowest viewer's max lag ${Math.max(...slowest)} ms`)
  await Promise.all(viewers.map(v => v.stop()))
  t.ok(viewers.every(v => v.proc.exitCode === 0), 'every viewer exits 0')
})

test('one process follows 10 feeds at once through the library', async (t) => {
  const { bootstrap } = await testnet(t)
  const writers = []
  for (let i = 0; i < 10; i++) {
    const w = await writer(t, 'feed' + i)
    await w.append(Array.from({ length: 50 }, (_, j) => chat('w' + i, `feed ${i} old ${j}`)))
    await network(t, w, netOptions(bootstrap))
    writers.push(w)
  }
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const net = new Network(store, netOptions(bootstrap))
  t.teardown(() => net.close(), { order: -0.5 })
  const feeds = await Promise.all(writers.map(w => Feed.open(store, w.key)))
  t.teardown(() => Promise.all(feeds.map(f => f.close())))
  for (const f of feeds) await net.join(f)

  const collected = feeds.map(async (f, i) => {
    const got: string[] = []
    for await (const batch of f.follow({ live: true })) {
      for (const r of batch) got.push('value' in r ? String(r.value.text) : 'unreadable')
      if (got.length >= 100) break
    }
    return got
  })
  for (let j = 0; j < 50; j++) {
    await Promise.all(writers.map((w, i) => w.append(chat('w' + i, `feed ${i} new ${j}`))))
  }
  const all = await Promise.all(collected)
  for (const [i, got] of all.entries()) {
    const expected = [...Array.from({ length: 50 }, (_, j) => `feed ${i} old ${j}`), ...Array.from({ length: 50 }, (_, j) => `feed ${i} new ${j}`)]
    if (JSON.stringify(got) !== JSON.stringify(expected)) t.fail(`feed ${i} got ${JSON.stringify(got).slice(0, 200)}`)
  }
  t.pass('each of the 10 feeds delivered its own 100 entries, in order, nothing crossed over')
  t.is(net.connections, 10, 'one connection per writer, shared by whatever feeds it has')
})
