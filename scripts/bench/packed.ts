// Packed feeds (write --pack): cold sync against the tutorials' design, a
// million entries cold, and a viewer following a writer that ingests at full
// speed, packed and not.
import { BIN, NAIVE, QUICK, figure, fmtK, jsonLine, notes, now, proc, sleep, tmp } from './common.js'

const SIZES = QUICK
  ? { cold: [5000, 20_000], big: 50_000, ingest: 20_000 }
  : { cold: [10_000, 50_000], big: 1_000_000, ingest: 300_000 }

// A hyperfeed writer fed `n` JSON lines, returned once every line is on disk.
async function writer (n: number, bootstrap: string, pack: boolean) {
  const w = proc(BIN, ['write', '--json', '--ack', ...(pack ? ['--pack'] : []), '--bootstrap', bootstrap, '--storage', tmp('pw')])
  const key = await w.waitLine(l => /^[0-9a-f]{64}$/.test(l), 30_000)
  const acked = w.waitLine(l => l === `ok ${n - 1}`, 600_000)
  for (let i = 0; i < n; i += 10_000) {
    const chunk = Array.from({ length: Math.min(10_000, n - i) }, (_, k) => jsonLine(i + k)).join('\n') + '\n'
    if (!w.child.stdin!.write(chunk)) await new Promise(resolve => w.child.stdin!.once('drain', resolve))
  }
  await acked
  return { w, key }
}

async function coldView (key: string, n: number, bootstrap: string): Promise<number> {
  const view = proc(BIN, ['view', key, '--once', '--json', '--bootstrap', bootstrap, '--timeout', '60', '--storage', tmp('pv')])
  const code = await view.exited
  if (code !== 0 || view.outLines !== n) throw new Error(`packed view exited ${code} after ${view.outLines} of ${n} lines`)
  return now() - view.started
}

async function tutorials (n: number): Promise<number> {
  const server = proc(NAIVE, ['server', String(n)])
  const { port } = JSON.parse(await server.waitLine(l => l.startsWith('{')))
  const client = proc(NAIVE, ['client', `ws://127.0.0.1:${port}`])
  const first = JSON.parse(await client.waitLine(l => l.startsWith('{')))
  await client.stop()
  await server.stop()
  return first.at - client.started
}

// A live viewer of a writer that appends `n` lines as fast as it can: how far
// behind the viewer falls (entries), and how long after the writer it ends.
async function follow (n: number, bootstrap: string, pack: boolean): Promise<{ rate: number, writerRate: number, tail: number }> {
  const w = proc(BIN, ['write', '--json', '--ack', ...(pack ? ['--pack'] : []), '--bootstrap', bootstrap, '--storage', tmp('fw')])
  const key = await w.waitLine(l => /^[0-9a-f]{64}$/.test(l), 30_000)
  let acked = 0
  let writerDone = 0
  let printed = 0
  let viewerDone = 0
  w.onLine = (line, at) => {
    if (!line.startsWith('ok ')) return
    acked = Number(line.slice(3)) + 1
    if (acked === n) writerDone = at
  }
  // the viewer is connected before the writer starts
  w.child.stdin!.write(jsonLine(0) + '\n')
  const v = proc(BIN, ['view', key, '--json', '--bootstrap', bootstrap, '--storage', tmp('fv')])
  await v.waitLine(() => true, 30_000)
  printed = 1
  const started = now()
  v.onLine = (_line, at) => {
    printed++
    if (printed === n) viewerDone = at
  }
  for (let i = 1; i < n; i += 5000) {
    const chunk = Array.from({ length: Math.min(5000, n - i) }, (_, k) => jsonLine(i + k)).join('\n') + '\n'
    if (!w.child.stdin!.write(chunk)) await new Promise(resolve => w.child.stdin!.once('drain', resolve))
  }
  const deadline = now() + 600_000
  while ((viewerDone === 0 || writerDone === 0) && now() < deadline) await sleep(20)
  await Promise.all([v.stop(), w.stop()])
  if (viewerDone === 0) throw new Error(`follow: the viewer printed ${printed} of ${n}`)
  return { rate: (n - 1) / ((viewerDone - started) / 1000), writerRate: (n - 1) / ((writerDone - started) / 1000), tail: viewerDone - writerDone }
}

export async function packed (bootstrap: string): Promise<void> {
  console.error('\n12. packed feeds (write --pack)')
  for (const n of SIZES.cold) {
    const { w, key } = await writer(n, bootstrap, true)
    const hf = await coldView(key, n, bootstrap)
    await w.stop()
    const ref = await tutorials(n)
    figure('packed', `cold sync of a packed ${fmtK(n)}-entry feed, process start to all read (view --once vs the tutorials' client)`, 'ms', hf, ref, "tutorials'", false, n === 50_000 ? { ratio: 1 / 3 } : null) // the target is set at 50k
  }
  const { w, key } = await writer(SIZES.big, bootstrap, true)
  const big = await coldView(key, SIZES.big, bootstrap)
  await w.stop()
  figure('packed', `cold sync of a packed ${fmtK(SIZES.big)}-entry feed, process start to all read`, 's', big / 1000, null, null, false, QUICK ? null : { max: 15 })

  const plain = await follow(SIZES.ingest, bootstrap, false)
  const packedRun = await follow(SIZES.ingest, bootstrap, true)
  figure('packed', `live viewer of a full-speed writer (${fmtK(SIZES.ingest)} entries): entries/s the viewer prints (packed vs one entry per block)`, 'entries/s', packedRun.rate, plain.rate, 'unpacked', true)
  notes.push(`full-speed writer: ${Math.round(packedRun.writerRate).toLocaleString('en-US')} entries/s packed, ${Math.round(plain.writerRate).toLocaleString('en-US')} entries/s one per block`)
  figure('packed', `live viewer of a full-speed writer (${fmtK(SIZES.ingest)} entries): viewer done after the writer (packed vs one entry per block)`, 'ms', Math.max(packedRun.tail, 1), Math.max(plain.tail, 1), 'unpacked', false)
}
