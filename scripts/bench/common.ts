// What every benchmark section shares: the run's options and sizes, the
// figures and how they are reported, child processes, small helpers.
import { spawn, type ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
export const RAW = fileURLToPath(new URL('./raw.js', import.meta.url))
export const NAIVE = fileURLToPath(new URL('./naive.js', import.meta.url))

export const args = process.argv.slice(2)
export const QUICK = args.includes('--quick')
export const JSON_PATH = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined
// --only ingest,sync,live,first,naive,blocks,packed,fanout,rooms,revocation,search,mirrors,shaped: run some sections (for iterating on one figure)
export const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : null
// --skip SECTIONS: all but some (a section with a test of its own)
export const SKIP = args.includes('--skip') ? args[args.indexOf('--skip') + 1]!.split(',') : []
export const run = (section: string) => (ONLY === null || ONLY.includes(section)) && !SKIP.includes(section)

export const SIZES = QUICK
  ? { ingest: 5000, perEntry: 1000, memory: [2000, 6000, 20_000], live: 200, naive: [1000, 5000], naiveAdd: [1000, 5000], difficulty: 18, verify: 20_000, starts: 3, wireEntries: 50, rounds: 1 }
  : { ingest: 100_000, perEntry: 20_000, memory: [100_000, 300_000, 1_000_000], live: 2000, naive: [1000, 10_000, 50_000], naiveAdd: [10_000, 50_000], difficulty: 22, verify: 200_000, starts: 5, wireEntries: 200, rounds: 3 }

export interface Figure {
  group: string
  name: string
  unit: string
  hyperfeed: number
  reference: number | null
  referenceName: string | null
  // ratio hyperfeed/reference, oriented so that > 1 means hyperfeed is better
  ratio: number | null
  target: string | null
  met: boolean | null
}

export const figures: Figure[] = []
export const notes: string[] = []
// figures that are not a positive finite number (a counter that missed, a
// section that measured nothing): the run fails with these, after its table
export const problems: string[] = []

export function figure (group: string, name: string, unit: string, hyperfeed: number, reference: number | null, referenceName: string | null, higherIsBetter: boolean, target: { ratio?: number, max?: number, min?: number } | null = null) {
  const ratio = reference === null || reference === 0 || hyperfeed === 0 ? null : higherIsBetter ? hyperfeed / reference : reference / hyperfeed
  let met: boolean | null = null
  let targetText: string | null = null
  if (target?.ratio !== undefined) { met = ratio !== null && ratio >= target.ratio; targetText = `>= ${Number(target.ratio.toFixed(2))}x` }
  if (target?.max !== undefined) { met = hyperfeed <= target.max; targetText = `<= ${target.max} ${unit}` }
  if (target?.min !== undefined) { met = hyperfeed >= target.min; targetText = `>= ${fmt(target.min)} ${unit}` }
  figures.push({ group, name, unit, hyperfeed, reference, referenceName, ratio, target: targetText, met })
  const positive = (n: number) => Number.isFinite(n) && n > 0
  if (!positive(hyperfeed)) problems.push(`${group}: ${name}: hyperfeed's figure is ${hyperfeed} ${unit}, not a positive number`)
  if (reference !== null && !positive(reference)) problems.push(`${group}: ${name}: the ${referenceName} reference is ${reference} ${unit}, not a positive number`)
  const line = `${name}: hyperfeed ${fmt(hyperfeed)} ${unit}` + (reference !== null ? ` vs ${referenceName} ${fmt(reference)} ${unit} (${ratio === null ? '-' : ratio.toFixed(2) + 'x'})` : '') + (targetText ? ` target ${targetText}: ${met ? 'met' : 'NOT met'}` : '')
  console.error('  ' + line)
}

export function fmt (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
export const now = () => performance.timeOrigin + performance.now()

export function tmp (name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hyperfeed-bench-${name}-`))
}

// A child process with its stdout/stderr split into lines, its peak RSS polled.
export class Proc {
  readonly child: ChildProcess
  readonly label: string
  readonly started = now()
  firstOut: number | null = null
  outLines = 0
  peakRss = 0
  readonly exited: Promise<number | null>
  private readonly errWaiters: { match: (o: any) => boolean, resolve: (o: any) => void }[] = []
  readonly status: any[] = []
  private readonly poll: NodeJS.Timeout
  onLine: ((line: string, at: number) => void) | null = null

  // netns: run it in that network namespace (`ip netns exec` execs node itself,
  // so the child's pid is still node's)
  constructor (cmd: string, argv: string[], env: Record<string, string> = {}, { netns }: { netns?: string } = {}) {
    this.label = `${path.basename(cmd)} ${argv.slice(0, 2).join(' ')}`
    const node = [process.execPath, cmd, ...argv]
    const command = netns === undefined ? node : ['ip', 'netns', 'exec', netns, ...node]
    this.child = spawn(command[0]!, command.slice(1), { env: { ...process.env, HYPERFEED_BOOTSTRAP: '127.0.0.1:9', ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    this.child.stdin!.on('error', () => {})
    let partial = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const at = now()
      if (this.firstOut === null) this.firstOut = at
      if (this.onLine === null) {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) this.outLines++
        return
      }
      const parts = (partial + chunk.toString()).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) {
        this.outLines++
        this.onLine(line, at)
      }
    })
    let errPartial = ''
    this.child.stderr!.on('data', (chunk: Buffer) => {
      const parts = (errPartial + chunk.toString()).split('\n')
      errPartial = parts.pop() ?? ''
      for (const line of parts) {
        let o: any = { line }
        try { o = JSON.parse(line) } catch {}
        this.status.push(o)
        for (const w of this.errWaiters.slice()) if (w.match(o)) { this.errWaiters.splice(this.errWaiters.indexOf(w), 1); w.resolve(o) }
      }
    })
    this.poll = setInterval(() => this.sampleRss(), 50)
    this.exited = new Promise(resolve => this.child.on('close', code => {
      clearInterval(this.poll)
      resolve(code)
    }))
  }

  private sampleRss (): void {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))
      if (m) this.peakRss = Math.max(this.peakRss, Number(m[1]) * 1024)
    } catch {}
  }

  waitErr (match: (o: any) => boolean, timeout = 120_000): Promise<any> {
    const found = this.status.find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting on ${this.label}: ${JSON.stringify(this.status.slice(-3))}`)), timeout)
      this.errWaiters.push({ match, resolve: (o) => { clearTimeout(timer); resolve(o) } })
    })
  }

  waitLine (match: (line: string) => boolean, timeout = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for output')), timeout)
      const previous = this.onLine
      this.onLine = (line, at) => {
        previous?.(line, at)
        if (match(line)) {
          clearTimeout(timer)
          this.onLine = previous
          resolve(line)
        }
      }
    })
  }

  async stop (): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM')
    return this.exited
  }
}

export const procs: Proc[] = []
// however the run ends (a section may turn a signal into an exit), no child outlives it
process.on('exit', () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
})
export function proc (cmd: string, argv: string[], env?: Record<string, string>, opts?: { netns?: string }): Proc {
  const p = new Proc(cmd, argv, env, opts)
  procs.push(p)
  return p
}

export function freeUdpPort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4')
    s.once('error', reject)
    s.bind(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
  })
}

export function percentile (sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

export function median (xs: number[]): number {
  return percentile(xs.slice().sort((a, b) => a - b), 0.5)
}

export function jsonLine (i: number): string {
  return JSON.stringify({ type: 'chat', nick: 'bench', text: 'entry number ' + String(i).padStart(7, '0'), time: 1700000000000 + i })
}

export const fmtK = (n: number) => `${(n / 1000).toLocaleString('en-US')}k`
