import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type test from 'brittle'

export const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const DEFAULT_WAIT = 15_000

type Matcher = string | RegExp | ((line: string) => boolean)

function matches (m: Matcher, line: string): boolean {
  if (typeof m === 'string') return line.includes(m)
  if (m instanceof RegExp) return m.test(line)
  return m(line)
}

class Lines {
  readonly lines: string[] = []
  private partial = ''
  private waiters: { from: number, m: Matcher, resolve: (line: string) => void }[] = []
  ended = false

  push (chunk: string): void {
    const parts = (this.partial + chunk).split('\n')
    this.partial = parts.pop() ?? ''
    for (const line of parts) {
      this.lines.push(line)
      this.check()
    }
  }

  end (): void {
    if (this.partial) this.lines.push(this.partial)
    this.partial = ''
    this.ended = true
    this.check()
  }

  private check (): void {
    for (const w of this.waiters.slice()) {
      for (let i = w.from; i < this.lines.length; i++) {
        if (matches(w.m, this.lines[i]!)) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve(this.lines[i]!)
          break
        }
      }
    }
  }

  wait (m: Matcher, from: number): Promise<string> {
    return new Promise(resolve => {
      this.waiters.push({ from, m, resolve })
      this.check()
    })
  }

  get text (): string {
    return this.lines.join('\n') + (this.partial ? '\n' + this.partial : '')
  }
}

export interface SpawnOptions {
  // undefined removes a variable
  env?: Record<string, string | undefined>
  storage?: string
  cwd?: string
  // command prefix, e.g. nsenter into a private network namespace
  wrap?: string[]
}

// brittle ends the process when a test throws, skipping teardowns: never leave
// a child process running behind it.
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

// A real `hyperfeed` process with its output split into lines.
export class Cli {
  readonly proc: ChildProcess
  readonly stdout = new Lines()
  readonly stderr = new Lines()
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  readonly args: string[]

  constructor (args: string[], { env = {}, storage, cwd, wrap = [] }: SpawnOptions = {}) {
    this.args = args
    // with wrap ['script'], args are script's own (it runs a command line in a terminal)
    const argv = wrap[0] === 'script' ? [...wrap, ...args] : [...wrap, process.execPath, BIN, ...args]
    // a test that forgets its network flags stays on loopback (port 9: discard)
    const fullEnv: NodeJS.ProcessEnv = { ...process.env, HYPERFEED_BOOTSTRAP: '127.0.0.1:9', npm_command: '', ...(storage ? { HYPERFEED_STORAGE: storage } : {}), ...env }
    for (const [name, value] of Object.entries(fullEnv)) if (value === undefined) delete fullEnv[name]
    this.proc = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env: fullEnv,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => this.stdout.push(d))
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => this.stderr.push(d))
    this.proc.stdin!.on('error', () => {})
    live.add(this.proc)
    this.proc.on('exit', () => live.delete(this.proc))
    this.exited = new Promise(resolve => {
      this.proc.on('close', (code, signal) => {
        this.stdout.end()
        this.stderr.end()
        resolve({ code, signal })
      })
    })
  }

  get running (): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null
  }

  // Waits for a stdout line matching m (from line `from` on).
  line (m: Matcher, { from = 0, timeout = DEFAULT_WAIT } = {}): Promise<string> {
    return withTimeout(this.stdout.wait(m, from), timeout, () => `no stdout line matching ${String(m)} from hyperfeed ${this.args.join(' ')} within ${timeout} ms\nstdout:\n${this.stdout.text}\nstderr:\n${this.stderr.text}`)
  }

  errLine (m: Matcher, { from = 0, timeout = DEFAULT_WAIT } = {}): Promise<string> {
    return withTimeout(this.stderr.wait(m, from), timeout, () => `no stderr line matching ${String(m)} from hyperfeed ${this.args.join(' ')} within ${timeout} ms\nstderr:\n${this.stderr.text}`)
  }

  async lineCount (n: number, { timeout = DEFAULT_WAIT } = {}): Promise<string[]> {
    const deadline = Date.now() + timeout
    while (this.stdout.lines.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} stdout lines from hyperfeed ${this.args.join(' ')}, got ${this.stdout.lines.length}\nstderr:\n${this.stderr.text}`)
      if (this.stdout.ended) break
      await sleep(20)
    }
    return this.stdout.lines.slice(0, n)
  }

  write (text: string): void {
    this.proc.stdin!.write(text)
  }

  endInput (): void {
    this.proc.stdin!.end()
  }

  async stop (signal: NodeJS.Signals = 'SIGTERM', { timeout = DEFAULT_WAIT } = {}) {
    if (this.running) this.proc.kill(signal)
    return withTimeout(this.exited, timeout, () => `hyperfeed ${this.args.join(' ')} did not exit within ${timeout} ms of ${signal}`)
  }
}

export function spawnCli (t: test.Assert, args: string[], opts: SpawnOptions = {}): Cli {
  const cli = new Cli(args, opts)
  t.teardown(async () => {
    if (cli.running) cli.proc.kill('SIGKILL')
    await cli.exited
  }, { order: -1 })
  return cli
}

// Runs a command to completion.
export async function runCli (args: string[], opts: SpawnOptions & { input?: string, timeout?: number } = {}) {
  const cli = new Cli(args, opts)
  if (opts.input !== undefined) cli.write(opts.input)
  cli.endInput()
  const timeout = opts.timeout ?? 30_000
  let result
  try {
    result = await withTimeout(cli.exited, timeout, () => `hyperfeed ${args.join(' ')} did not finish within ${timeout} ms`)
  } catch (err) {
    cli.proc.kill('SIGKILL')
    await cli.exited
    throw err
  }
  return { code: result.code, signal: result.signal, stdout: cli.stdout.lines, stderr: cli.stderr.lines, out: cli.stdout.text, err: cli.stderr.text }
}

export function withTimeout<T> (p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(message())), ms) })
  ])
}

export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
