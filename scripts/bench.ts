// npm run bench [-- --quick] [-- --json PATH] [-- --only SECTIONS] [-- --skip SECTIONS]
//
// Measures hyperfeed against what a user could use instead, in one run, on this
// machine: raw Hypercore/Corestore/Hyperswarm processes (scripts/bench/raw.ts)
// and the websocket tutorials' full-chain design (scripts/bench/naive.ts).
// hyperfeed is measured through its real code paths: the CLI processes for end
// to end figures, the library for in-process ones. Every figure is printed
// beside its reference with the ratio; --json writes them all to a file.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import Corestore from 'corestore'
import {
  BIN, JSON_PATH, NAIVE, QUICK, RAW, SIZES, type Proc, figure, figures, fmt, fmtK, freeUdpPort, jsonLine, median, notes, now, percentile, problems, proc, procs, run, sleep, tmp
} from './bench/common.js'
import { rooms } from './bench/rooms.js'
import { revocation } from './bench/revocation.js'
import { mirrors } from './bench/mirror.js'
import { packed } from './bench/packed.js'
import { fanout } from './bench/fanout.js'
import { shaped } from './bench/shaped.js'
import { search } from './bench/search.js'
import {
  Feed, Network, Store, blockHash, nextTemplate, type ChainTip, type Entry
} from '../src/index.js'
import { ChainChecker, toBlock } from '../src/chain/block.js'
import { Miner } from '../src/chain/mine.js'

// 1. Writer ingest (median of a few rounds, hyperfeed and raw taking turns)
async function ingest (): Promise<void> {
  const n = SIZES.ingest
  console.error(`\n1. writer ingest (${n} entries, median of ${SIZES.rounds} rounds)`)
  const input = Array.from({ length: n }, (_, i) => jsonLine(i)).join('\n') + '\n'
  const blocks = Array.from({ length: n }, (_, i) => Buffer.from(jsonLine(i)))
  const hf: number[] = []
  const batched: number[] = []
  for (let round = 0; round < SIZES.rounds; round++) {
    const w = proc(BIN, ['write', '--json', '--ack', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1', '--storage', tmp('ingest')])
    await w.waitLine(l => /^[0-9a-f]{64}$/.test(l))
    // the last acknowledgement, found without splitting every line in this process
    const last = `ok ${n - 1}\n`
    let tailText = ''
    const acked = new Promise<void>(resolve => {
      w.child.stdout!.on('data', (chunk: Buffer) => {
        tailText = (tailText + chunk.toString('latin1')).slice(-64)
        if (tailText.endsWith(last)) resolve()
      })
    })
    const started = now()
    w.child.stdin!.write(input)
    await acked
    hf.push(n / ((now() - started) / 1000))
    await w.stop()

    batched.push(await rawAppendRate(blocks.slice(0, n), 1000))
  }
  const perEntry = await rawAppendRate(blocks.slice(0, SIZES.perEntry), 1)

  figure('ingest', 'writer ingest vs raw batched append (1,000/batch)', 'entries/s', median(hf), median(batched), 'raw', true, { ratio: 0.8 })
  figure('ingest', 'writer ingest vs raw per-entry append', 'entries/s', median(hf), perEntry, 'raw', true, { ratio: 20 })
}

// Raw Corestore appends of `blocks`, `batch` per append() call: entries/s.
async function rawAppendRate (blocks: Buffer[], batch: number): Promise<number> {
  const store = new Corestore(tmp('raw-append'))
  const core = store.get({ name: 'bench' })
  await core.ready()
  const t = now()
  if (batch === 1) for (const b of blocks) await core.append(b)
  else for (let i = 0; i < blocks.length; i += batch) await core.append(blocks.slice(i, i + batch))
  const rate = blocks.length / ((now() - t) / 1000)
  await store.close()
  return rate
}

// 2 + 4. Cold sync and viewer memory, at several feed sizes
async function coldSync (bootstrap: string): Promise<void> {
  for (const n of SIZES.memory) {
    console.error(`\n2/4. cold sync and viewer memory, ${n.toLocaleString('en-US')} entries`)
    const { writer, key } = await rawFeed(n, bootstrap)
    const hf = await viewOnce(key, n, bootstrap)

    const raw = proc(RAW, ['read', tmp('raw'), key, bootstrap, 'print'])
    await raw.exited
    const first = raw.status.find(o => o.peer)?.t
    const done = raw.status.find(o => o.read)
    if (!done) throw new Error('raw reader failed: ' + JSON.stringify(raw.status.slice(-3)))
    const rw = { connect: first - raw.started, total: done.t - raw.started, rss: Math.max(done.maxRSS, raw.peakRss) }
    await writer.stop()

    const label = `${(n / 1000).toLocaleString('en-US')}k`
    if (n === SIZES.memory[0]) {
      figure('cold sync', `cold sync ${label}: entries/s, start to exit (view --once --json vs raw download() + reads)`, 'entries/s', n / (hf.total / 1000), n / (rw.total / 1000), 'raw', true, { ratio: 1.0 })
      figure('cold sync', `cold sync ${label}: connect (start to first entry / first peer)`, 'ms', hf.connect, rw.connect, 'raw', false)
      figure('cold sync', `cold sync ${label}: transfer (after connect)`, 'ms', hf.total - hf.connect, rw.total - rw.connect, 'raw', false)
    }
    figure('memory', `viewer peak RSS at ${label}`, 'MB', hf.rss / 1e6, rw.rss / 1e6, 'raw reader', false, { ratio: 1.0 })
    memory.push({ n, hyperfeed: hf.rss, raw: rw.rss })
  }
  const small = memory[0]!
  const large = memory[memory.length - 1]!
  figure('memory', `viewer RSS growth ${fmtK(large.n)} / ${fmtK(small.n)}`, 'x', large.hyperfeed / small.hyperfeed, large.raw / small.raw, 'raw reader', false, { max: 1.2 })
}
const memory: { n: number, hyperfeed: number, raw: number }[] = []

// A feed of n entries written and served by a raw Hypercore process.
async function rawFeed (n: number, bootstrap: string): Promise<{ writer: Proc, key: string }> {
  const writer = proc(RAW, ['write', tmp('feed'), String(n), bootstrap])
  const { key } = await writer.waitErr(o => o.ready, 600_000)
  return { writer, key }
}

// `hyperfeed view --once --json` into fresh storage: connect and total time, peak RSS.
async function viewOnce (key: string, n: number, bootstrap: string): Promise<{ connect: number, total: number, rss: number }> {
  const view = proc(BIN, ['view', key, '--once', '--json', '--bootstrap', bootstrap, '--timeout', '60', '--storage', tmp('view')])
  const end = await endTime(view)
  const code = view.child.exitCode
  if (code !== 0 || view.outLines !== n) throw new Error(`hyperfeed view exited ${code} after ${view.outLines} of ${n} lines: ${JSON.stringify(view.status.slice(-3))}`)
  return { connect: view.firstOut! - view.started, total: end - view.started, rss: view.peakRss }
}

async function endTime (p: Proc): Promise<number> {
  await p.exited
  return now()
}

// 3. Live latency at the viewer's stdout
async function liveLatency (bootstrap: string): Promise<void> {
  const n = SIZES.live
  console.error(`\n3. live latency, one entry every 10 ms, ${n} entries`)
  // latencies of the ticks a viewer prints (each carries the time it was sent)
  const measure = (viewer: Proc) => {
    const lat: number[] = []
    viewer.onLine = (line, at) => {
      const m = /"sent":([\d.]+)/.exec(line)
      if (m) lat.push(at - Number(m[1]))
    }
    return { lat, all: viewer.waitLine(l => l.includes(`"i":${n - 1},`), 120_000) }
  }
  // one tick every 10 ms into a writer's stdin
  const tick = async (writer: Proc) => {
    for (let i = 0; i < n; i++) {
      const next = performance.now() + 10
      writer.child.stdin!.write(JSON.stringify({ type: 'tick', i, sent: now() }) + '\n')
      await sleep(Math.max(0, next - performance.now()))
    }
  }
  // a raw writer (`live` appends on its own clock, `pipe` appends stdin lines) and a raw follower
  const raw = async (mode: 'live' | 'pipe') => {
    const rw = proc(RAW, [mode, tmp('live-rw'), String(n), bootstrap])
    const { key } = await rw.waitErr(o => o.ready)
    const rf = proc(RAW, ['follow', tmp('live-rf'), key, bootstrap])
    await rf.waitErr(o => o.peer)
    await sleep(500)
    const m = measure(rf)
    if (mode === 'live') rw.child.stdin!.write('go\n')
    else await tick(rw)
    await m.all
    await rf.stop()
    await rw.stop()
    return m.lat.sort((a, b) => a - b)
  }

  const w = proc(BIN, ['write', '--json', '--bootstrap', bootstrap, '--storage', tmp('live-w')])
  const key = await w.waitLine(l => /^[0-9a-f]{64}$/.test(l))
  const v = proc(BIN, ['view', key, '--json', '--bootstrap', bootstrap, '--storage', tmp('live-v')])
  w.child.stdin!.write('{"type":"warmup"}\n')
  await v.waitLine(l => l.includes('warmup'))
  const m = measure(v)
  await tick(w)
  await m.all
  await v.stop()
  await w.stop()
  const s = m.lat.sort((a, b) => a - b)
  const r = await raw('live')
  // the same clock start for both: a raw writer fed stdin lines as hyperfeed's is
  const p = await raw('pipe')

  figure('live', 'live latency p50 (append to viewer stdout)', 'ms', percentile(s, 0.5), percentile(r, 0.5), 'raw', false)
  figure('live', 'live latency p99', 'ms', percentile(s, 0.99), percentile(r, 0.99), 'raw', false, { max: 10 })
  figure('live', 'live latency max', 'ms', s[s.length - 1]!, r[r.length - 1]!, 'raw', false)
  figure('live', 'live latency p50, both writers fed lines on stdin (line written to viewer stdout)', 'ms', percentile(s, 0.5), percentile(p, 0.5), 'raw piped', false)
  figure('live', 'live latency p99, both writers fed lines on stdin', 'ms', percentile(s, 0.99), percentile(p, 0.99), 'raw piped', false)
}

// Time from starting `view` to its first entry on stdout, live mode.
async function startToFirst (bootstrap: string): Promise<void> {
  console.error('\n   view start to first entry')
  const w = proc(BIN, ['write', '--bootstrap', bootstrap, '--storage', tmp('first-w')])
  const key = await w.waitLine(l => /^[0-9a-f]{64}$/.test(l))
  w.child.stdin!.write('hello\n')
  await sleep(200)
  const times: number[] = []
  for (let i = 0; i < SIZES.starts; i++) {
    const v = proc(BIN, ['view', key, '--bootstrap', bootstrap, '--storage', tmp('first-v')])
    await v.waitLine(() => true, 30_000)
    times.push(v.firstOut! - v.started)
    await v.stop()
  }
  await w.stop()
  figure('live', `view start to first entry (median of ${SIZES.starts}, incl. process start)`, 'ms', median(times), null, null, false, { max: 1000 })
}

// 5. The tutorials' full-chain design
async function naive (bootstrap: string): Promise<void> {
  console.error('\n5. the tutorials\' design: one ws message with the whole chain')
  for (const n of SIZES.naive) {
    const server = proc(NAIVE, ['server', String(n)])
    const { port } = JSON.parse(await server.waitLine(l => l.startsWith('{')))
    const client = proc(NAIVE, ['client', `ws://127.0.0.1:${port}`])
    const first = JSON.parse(await client.waitLine(l => l.startsWith('{')))
    const { writer, key } = await rawFeed(n, bootstrap)
    const hf = await viewOnce(key, n, bootstrap)
    await writer.stop()
    figure('naive', `cold sync of ${fmtK(n)} entries, process start to all read (view --once vs the tutorials' client)`, 'ms', hf.total, first.at - client.started, "tutorials'", false)
    if (SIZES.naiveAdd.includes(n)) {
      const costs: number[] = []
      let bytes = 0
      for (let i = 0; i < 5; i++) {
        const got = client.waitLine(l => l.startsWith('{'))
        const sent = server.waitLine(l => l.includes('broadcast'))
        server.child.stdin!.write('add\n')
        const s = JSON.parse(await sent)
        const m = JSON.parse(await got)
        costs.push(m.at - s.sent + m.parseMs)
        bytes = s.bytes
      }
      naiveCosts.push({ n, ms: median(costs), bytes })
    }
    await client.stop()
    await server.stop()
  }

  // hyperfeed's cost of one more entry: library writer and reader, a real swarm connection
  const dirW = tmp('one-w')
  const dirR = tmp('one-r')
  const [host, port] = bootstrap.split(':')
  const opts = { bootstrap: [{ host: host!, port: Number(port) }], host: '127.0.0.1', firewalled: false }
  const ws = await Store.open(dirW)
  const writer = await Feed.openWriter(ws, 'one')
  await writer.append(Array.from({ length: SIZES.naiveAdd[SIZES.naiveAdd.length - 1]! }, (_, i) => JSON.parse(jsonLine(i)) as Entry))
  const wn = new Network(ws, opts)
  await wn.join(writer)
  const rs = await Store.open(dirR)
  const reader = await Feed.open(rs, writer.key)
  const rn = new Network(rs, opts)
  await rn.join(reader)
  const follower = reader.follow({ live: true })
  const it = follower[Symbol.asyncIterator]()
  let seen = 0
  while (seen < writer.length) seen += (await it.next()).value!.length
  // every connection the writer sends on (one may be replaced by a duplicate's)
  const conns = new Set<unknown>(wn.swarm!.connections)
  wn.swarm!.on('connection', (conn) => conns.add(conn))
  const wireBytes = () => [...conns].reduce((sum: number, c) => sum + ((c as { rawBytesWritten?: number }).rawBytesWritten ?? 0), 0)
  const costs: number[] = []
  const before = wireBytes()
  for (let i = 0; i < SIZES.wireEntries; i++) {
    const t = now()
    await writer.append(JSON.parse(jsonLine(i)) as Entry)
    await it.next()
    costs.push(now() - t)
  }
  const perEntryBytes = (wireBytes() - before) / SIZES.wireEntries
  await follower.destroy()
  await rn.close()
  await wn.close()
  await reader.close()
  await writer.close()
  await rs.close()
  await ws.close()
  const hfCost = median(costs)
  for (const c of naiveCosts) {
    figure('naive', `one more entry at ${fmtK(c.n)}: time (hyperfeed append to reader vs re-send and parse the chain)`, 'ms', hfCost, c.ms, "tutorials'", false)
    figure('naive', `one more entry at ${fmtK(c.n)}: bytes on the wire`, 'bytes', perEntryBytes, c.bytes, "tutorials'", false)
  }
}
const naiveCosts: { n: number, ms: number, bytes: number }[] = []

// 6. Blocks
async function blocks (): Promise<void> {
  console.error('\n6. blocks: mining and verifying')
  const miner = new Miner()
  await miner.mine(nextTemplate(null, 'warm up the worker', 0)) // thread start is not mining
  const template = nextTemplate(null, { amount: 5, memo: 'benchmark block' }, SIZES.difficulty, 1700000000000)
  let hashes = 0
  let ms = 0
  // a few blocks, so one lucky nonce does not decide the rate
  for (let i = 0; i < 3; i++) {
    const mined = await miner.mine({ ...template, time: template.time + i })
    hashes += mined.hashes
    ms += mined.ms
  }
  await miner.close()
  const mining = hashes / (ms / 1000)
  const count = Math.min(hashes, 2_000_000)
  // the raw rate: sha256 of the same preimage, already in a buffer, over and over
  const pre = Buffer.from(JSON.stringify([template.height, template.time, template.prev, template.difficulty, 1234567, template.data]))
  const t = performance.now()
  for (let i = 0; i < count; i++) crypto.hash('sha256', pre, 'buffer')
  const raw = count / ((performance.now() - t) / 1000)
  figure('blocks', `mining at difficulty ${SIZES.difficulty} (worker thread) vs raw crypto.hash sha256 of the same preimage`, 'hashes/s', mining, raw, 'raw', true, { ratio: 0.9 })

  const chain: Entry[] = []
  let tip: ChainTip | null = null
  for (let i = 0; i < SIZES.verify; i++) {
    const tpl = nextTemplate(tip, { i, memo: 'verify' }, 0, 1700000000000 + i)
    const b = toBlock(tpl, 0, blockHash({ ...tpl, nonce: 0 }))
    tip = { height: b.height, hash: b.hash }
    chain.push(b)
  }
  const checker = new ChainChecker()
  const v = performance.now()
  for (const b of chain) checker.check(b)
  const verify = SIZES.verify / ((performance.now() - v) / 1000)
  if (checker.invalid !== 0) throw new Error('verify bench: invalid blocks')
  figure('blocks', 'verify (fields, hash, work, link) ', 'blocks/s', verify, null, null, true, { min: 200_000 })
}

function table (): string {
  const rows = [['comparison', 'hyperfeed', 'reference', 'ratio', 'target']]
  for (const f of figures) {
    rows.push([
      f.name,
      `${fmt(f.hyperfeed)} ${f.unit}`,
      f.reference === null ? '-' : `${fmt(f.reference)} (${f.referenceName})`,
      f.ratio === null ? '-' : f.ratio.toFixed(2) + 'x',
      f.target === null ? '-' : `${f.target} ${f.met ? 'met' : 'NOT met'}`
    ])
  }
  return rows.map((r, i) => '| ' + r.join(' | ') + ' |' + (i === 0 ? '\n|' + r.map(() => '---').join('|') + '|' : '')).join('\n')
}

async function main (): Promise<number> {
  const started = Date.now()
  // some library waits (an Autobase append with no peers) hold no handle of
  // their own: keep the process alive until the run is over
  const keepAlive = setInterval(() => {}, 60_000)
  console.error(`hyperfeed bench${QUICK ? ' (quick)' : ''}: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ratios > 1 favour hyperfeed`)
  const port = await freeUdpPort()
  const boot = proc(BIN, ['bootstrap', '--host', '127.0.0.1', '--port', String(port)])
  const bootstrap = await boot.waitLine(l => /^127\.0\.0\.1:\d+$/.test(l), 10_000)
  try {
    if (run('ingest')) await ingest()
    if (run('sync')) await coldSync(bootstrap)
    if (run('live')) await liveLatency(bootstrap)
    if (run('first')) await startToFirst(bootstrap)
    if (run('naive')) await naive(bootstrap)
    if (run('blocks')) await blocks()
    if (run('packed')) await packed(bootstrap)
    if (run('fanout')) await fanout(bootstrap)
    if (run('rooms')) await rooms(bootstrap)
    if (run('revocation')) await revocation(bootstrap)
    if (run('search')) await search()
    if (run('mirrors')) await mirrors(bootstrap)
    if (run('shaped')) await shaped()
  } finally {
    clearInterval(keepAlive)
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  }
  console.log(table())
  const seconds = (Date.now() - started) / 1000
  console.log(`\n${QUICK ? 'quick run' : 'full run'} in ${seconds.toFixed(0)} s on ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, Node ${process.version}`)
  for (const n of notes) console.log(n)
  if (JSON_PATH) {
    fs.writeFileSync(JSON_PATH, JSON.stringify({ quick: QUICK, seconds, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory: os.totalmem(), node: process.version }, sizes: SIZES, figures }, null, 2) + '\n')
    console.log(`results written to ${JSON_PATH}`)
  }
  for (const p of problems) console.error(`bench: ${p}`)
  return problems.length === 0 ? 0 : 1
}

main().then(code => process.exit(code), err => {
  console.error('bench:', err instanceof Error ? err.stack : err)
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  process.exit(1)
})
