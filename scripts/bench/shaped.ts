// Across a shaped link, not only loopback: the writer (and a DHT bootstrap
// node) in one network namespace, the viewer in another, joined by a link
// (shaped-link.ts) with a profile's delay, jitter, loss and rate limit. Cold
// sync and live latency, hyperfeed beside raw Hypercore on the same link in
// the same run, and at 5% loss a check that every hyperfeed viewer got each
// entry once, in order.
import { BIN, QUICK, RAW, type Proc, figure, fmt, fmtK, jsonLine, notes, now, percentile, proc, sleep, tmp } from './common.js'
import { ADDR_A, ADDR_B, type LinkProfile, LinkUnavailable, ShapedLink, linkUnavailable } from './shaped-link.js'

// the raw references set the pace: its cold sync keeps 16-48 blocks in flight,
// and its live reader (createReadStream) takes one block per round trip
const SIZES = QUICK ? { cold: 3000, live: 100 } : { cold: 20_000, live: 200 }

export const PROFILES: LinkProfile[] = [
  { name: 'lan', delayMs: 20, jitterMs: 0, loss: 0.01, rateMbit: 20 },
  { name: 'harsh', delayMs: 75, jitterMs: 20, loss: 0.05, rateMbit: 5 }
]

// the namespaces are ours alone: any port outside hyperdht's 49737-49741 will do
const BOOTSTRAP_PORT = 10001
// how long a cold sync (or a live run) may take before the run fails
const SYNC_DEADLINE = 600_000
const CONNECT_DEADLINE = 60_000
const LIVE_INTERVAL = 10

// Checks that a viewer printed entries 0..n-1 from --json, each once, in
// order, each the entry written under that number.
class SeqCheck {
  private readonly written: (seq: number, line: string) => boolean
  next = 0
  problem: string | null = null

  constructor (written: (seq: number, line: string) => boolean) {
    this.written = written
  }

  line (line: string): void {
    const m = /^\{"seq":(\d+),/.exec(line)
    const seq = m === null ? NaN : Number(m[1])
    if (this.problem === null) {
      if (Number.isNaN(seq)) this.problem = `a line without a seq after entry ${this.next - 1}: ${line.slice(0, 80)}`
      else if (seq !== this.next) this.problem = `entry ${seq} where ${this.next} was due`
      else if (!this.written(seq, line)) this.problem = `entry ${seq} is not the one written: ${line.slice(0, 120)}`
    }
    this.next++
  }

  assert (what: string, n: number): void {
    if (this.problem === null && this.next === n) return
    throw new Error(`shaped ${what}: the viewer did not print entries 0..${n - 1} exactly once, in order: ${this.problem ?? `${this.next} lines for ${n} entries`}`)
  }
}

function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`shaped: ${what} took more than ${ms / 1000} s`)), ms) })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

// What runs on the link: processes on side A (writers, the bootstrap node) and side B (viewers).
class Sides {
  readonly link: ShapedLink
  readonly started: Proc[] = []
  bootstrap = ''

  constructor (link: ShapedLink) {
    this.link = link
  }

  a (cmd: string, argv: string[], env: Record<string, string> = {}): Proc {
    return this.track(proc(cmd, argv, { RAW_HOST: ADDR_A, ...env }, { netns: this.link.a }))
  }

  b (cmd: string, argv: string[], env: Record<string, string> = {}): Proc {
    return this.track(proc(cmd, argv, { RAW_HOST: ADDR_B, ...env }, { netns: this.link.b }))
  }

  // hyperfeed's network flags on each side
  get netA (): string[] { return ['--bootstrap', this.bootstrap, '--host', ADDR_A] }
  get netB (): string[] { return ['--bootstrap', this.bootstrap, '--host', ADDR_B] }

  private track (p: Proc): Proc {
    this.started.push(p)
    return p
  }

  async stopAll (): Promise<void> {
    for (const p of this.started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
    await Promise.all(this.started.map(p => p.exited))
  }
}

// Cold sync by the raw reader (download() then reads, printed): start to exit, ms.
async function rawCold (s: Sides, n: number): Promise<number> {
  const writer = s.a(RAW, ['write', tmp('shaped-rw'), String(n), s.bootstrap])
  const { key } = await writer.waitErr(o => o.ready, CONNECT_DEADLINE)
  const reader = s.b(RAW, ['read', tmp('shaped-rr'), key, s.bootstrap, 'print'])
  const code = await within(reader.exited, SYNC_DEADLINE, 'the raw cold sync')
  const ms = now() - reader.started
  await writer.stop()
  if (code !== 0 || reader.outLines !== n) throw new Error(`shaped: raw reader exited ${code} after ${reader.outLines} of ${n} entries: ${JSON.stringify(reader.status.slice(-3))}`)
  return ms
}

// A hyperfeed writer on side A fed n JSON lines, once they are all on disk.
async function hyperfeedWriter (s: Sides, n: number, pack: boolean): Promise<{ writer: Proc, key: string }> {
  const writer = s.a(BIN, ['write', '--json', '--ack', ...(pack ? ['--pack'] : []), ...s.netA, '--storage', tmp('shaped-w')])
  const key = await writer.waitLine(l => /^[0-9a-f]{64}$/.test(l), CONNECT_DEADLINE)
  const acked = writer.waitLine(l => l === `ok ${n - 1}`, SYNC_DEADLINE)
  for (let i = 0; i < n; i += 10_000) {
    const chunk = Array.from({ length: Math.min(10_000, n - i) }, (_, k) => jsonLine(i + k)).join('\n') + '\n'
    if (!writer.child.stdin!.write(chunk)) await new Promise(resolve => writer.child.stdin!.once('drain', resolve))
  }
  await acked
  return { writer, key }
}

// Cold sync by `hyperfeed view --once --json` on side B: start to exit and
// start to last entry (ms), every entry checked.
async function hyperfeedCold (s: Sides, n: number, pack: boolean): Promise<{ total: number, lastEntry: number }> {
  const { writer, key } = await hyperfeedWriter(s, n, pack)
  const view = s.b(BIN, ['view', key, '--once', '--json', ...s.netB, '--timeout', String(CONNECT_DEADLINE / 1000), '--storage', tmp('shaped-v')])
  const check = new SeqCheck((seq, line) => line === `{"seq":${seq},"value":${jsonLine(seq)}}`)
  let last = 0
  view.onLine = (line, at) => {
    check.line(line)
    last = at
  }
  const code = await within(view.exited, SYNC_DEADLINE, `hyperfeed view --once${pack ? ' (packed)' : ''}`)
  const total = now() - view.started
  await writer.stop()
  if (code !== 0) throw new Error(`shaped: hyperfeed view --once exited ${code} after ${view.outLines} of ${n} entries: ${JSON.stringify(view.status.slice(-3))}`)
  check.assert(`${s.link.profile.name} cold sync${pack ? ' (packed)' : ''}`, n)
  return { total, lastEntry: last - view.started }
}

// Live latency, append to the viewer's stdout, of n entries one every 10 ms:
// a hyperfeed writer fed lines that carry their send time, a live viewer.
async function hyperfeedLive (s: Sides, n: number, pack: boolean): Promise<number[]> {
  const writer = s.a(BIN, ['write', '--json', ...(pack ? ['--pack'] : []), ...s.netA, '--storage', tmp('shaped-lw')])
  const key = await writer.waitLine(l => /^[0-9a-f]{64}$/.test(l), CONNECT_DEADLINE)
  const view = s.b(BIN, ['view', key, '--json', ...s.netB, '--storage', tmp('shaped-lv')])
  // entry 0 is the warm-up line, then tick i is entry i + 1
  const check = new SeqCheck((seq, line) => line.includes(seq === 0 ? '"type":"warmup"' : `"type":"tick","i":${seq - 1},`))
  const lat: number[] = []
  view.onLine = (line, at) => {
    check.line(line)
    const m = /"sent":([\d.]+)/.exec(line)
    if (m) lat.push(at - Number(m[1]))
  }
  writer.child.stdin!.write('{"type":"warmup"}\n')
  await view.waitLine(l => l.includes('warmup'), CONNECT_DEADLINE)
  const all = view.waitLine(l => l.includes(`"i":${n - 1},`), SYNC_DEADLINE)
  await tick(n, i => writer.child.stdin!.write(JSON.stringify({ type: 'tick', i, sent: now() }) + '\n'))
  await all
  await view.stop()
  await writer.stop()
  check.assert(`${s.link.profile.name} live${pack ? ' (packed)' : ''}`, n + 1)
  return lat.sort((a, b) => a - b)
}

// The same with raw.js live (one append every 10 ms) and raw.js follow, whose
// read stream asks for one block at a time (prefetch: with a live download()
// range ahead of it, as hyperfeed's follower keeps).
async function rawLive (s: Sides, n: number, prefetch: boolean): Promise<number[]> {
  const writer = s.a(RAW, ['live', tmp('shaped-rlw'), String(n), s.bootstrap])
  const { key } = await writer.waitErr(o => o.ready, CONNECT_DEADLINE)
  const follower = s.b(RAW, ['follow', tmp('shaped-rlf'), key, s.bootstrap, ...(prefetch ? ['prefetch'] : [])])
  const lat: number[] = []
  follower.onLine = (line, at) => {
    const m = /"sent":([\d.]+)/.exec(line)
    if (m) lat.push(at - Number(m[1]))
  }
  await follower.waitErr(o => o.peer, CONNECT_DEADLINE)
  await sleep(500)
  const all = follower.waitLine(l => l.includes(`"i":${n - 1},`), SYNC_DEADLINE)
  writer.child.stdin!.write('go\n')
  await all
  await follower.stop()
  await writer.stop()
  return lat.sort((a, b) => a - b)
}

async function tick (n: number, send: (i: number) => void): Promise<void> {
  for (let i = 0; i < n; i++) {
    const next = performance.now() + LIVE_INTERVAL
    send(i)
    await sleep(Math.max(0, next - performance.now()))
  }
}

async function measure (s: Sides): Promise<void> {
  const { name } = s.link.profile
  const n = SIZES.cold
  const boot = s.a(BIN, ['bootstrap', '--host', ADDR_A, '--port', String(BOOTSTRAP_PORT)])
  s.bootstrap = await boot.waitLine(l => l === `${ADDR_A}:${BOOTSTRAP_PORT}`, 10_000)

  const raw = await rawCold(s, n)
  const plain = await hyperfeedCold(s, n, false)
  const packed = await hyperfeedCold(s, n, true)
  console.error(`  (${name}: start to last entry ${fmt(plain.lastEntry / 1000)} s, packed ${fmt(packed.lastEntry / 1000)} s)`)
  figure('shaped', `${name}: cold sync of ${fmtK(n)} entries, start to exit (view --once vs raw download() + reads)`, 's', plain.total / 1000, raw / 1000, 'raw', false)
  figure('shaped', `${name}: cold sync of ${fmtK(n)} entries from a packed writer (view --once vs raw)`, 's', packed.total / 1000, raw / 1000, 'raw', false)

  const m = SIZES.live
  const live = await hyperfeedLive(s, m, false)
  const livePacked = await hyperfeedLive(s, m, true)
  const rawLat = await rawLive(s, m, false)
  const rawPrefetched = await rawLive(s, m, true)
  const p50 = (xs: number[]) => percentile(xs, 0.5)
  const p99 = (xs: number[]) => percentile(xs, 0.99)
  figure('shaped', `${name}: live latency p50, ${m} entries every ${LIVE_INTERVAL} ms, append to viewer stdout (raw: read stream)`, 'ms', p50(live), p50(rawLat), 'raw', false)
  figure('shaped', `${name}: live latency p99 (raw: read stream)`, 'ms', p99(live), p99(rawLat), 'raw', false)
  figure('shaped', `${name}: live latency p50, packed writer (raw: read stream)`, 'ms', p50(livePacked), p50(rawLat), 'raw', false)
  figure('shaped', `${name}: live latency p99, packed writer (raw: read stream)`, 'ms', p99(livePacked), p99(rawLat), 'raw', false)
  figure('shaped', `${name}: live latency p50 (raw: read stream + live download() range)`, 'ms', p50(live), p50(rawPrefetched), 'raw prefetching', false)
  figure('shaped', `${name}: live latency p99 (raw: read stream + live download() range)`, 'ms', p99(live), p99(rawPrefetched), 'raw prefetching', false)
}

function describe ({ name, delayMs, jitterMs, loss, rateMbit }: LinkProfile): string {
  return `${name}: ${delayMs} ms each way${jitterMs > 0 ? ` ±${jitterMs} ms jitter` : ''}, ${loss * 100}% loss, ${rateMbit} Mbit/s`
}

export async function shaped (): Promise<void> {
  console.error('\n13. across a shaped link (two network namespaces joined by tc netem or link-shaper.py)')
  const skip = (why: string) => {
    const note = `shaped link section skipped: this machine cannot make one (${why})`
    console.error('  ' + note)
    notes.push(note)
  }
  const why = linkUnavailable()
  if (why !== null) return skip(why)
  for (const profile of PROFILES) {
    console.error(`  ${describe(profile)}`)
    let link: ShapedLink
    try {
      link = await ShapedLink.open(profile)
    } catch (err) {
      if (err instanceof LinkUnavailable) return skip(err.message)
      throw err
    }
    const sides = new Sides(link)
    let counts = ''
    try {
      await measure(sides)
    } finally {
      await sides.stopAll()
      counts = await link.close()
    }
    notes.push(`shaped ${describe(profile)}: every hyperfeed viewer (cold, cold packed, live, live packed) printed each entry exactly once, in order; shaped by ${link.method}: ${counts || 'counts unknown'}`)
  }
}
