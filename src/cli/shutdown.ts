import goodbye from 'graceful-goodbye'
import safetyCatch from 'safety-catch'

// Shutdown order, lowest first: stop taking work (input, miners, followers),
// then connections and servers, then the swarm and DHT, then storage.
export const STOP_WORK = 0
export const STOP_SERVERS = 1
export const STOP_NETWORK = 2
export const STOP_STORAGE = 3

interface Step {
  position: number
  run: () => Promise<void>
  unregister: () => void
}

// The closing of one command's resources, in order. graceful-goodbye runs the
// steps on SIGINT/SIGTERM (and when the event loop empties); the command runs
// them itself when it ends. Each step runs once, whichever comes first.
export class Shutdown {
  private readonly steps: Step[] = []
  private readonly controller = new AbortController()
  private closing: Promise<void> | null = null
  private signals = 0
  private readonly onSignal = () => {
    // a second signal means "now": the closing already under way is abandoned
    if (++this.signals > 1) process.exit(130)
    this.controller.abort()
  }

  constructor () {
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  // Aborted on the first SIGINT or SIGTERM.
  get signal (): AbortSignal {
    return this.controller.signal
  }

  // Resolves on the first SIGINT or SIGTERM.
  stopped (): Promise<void> {
    if (this.signal.aborted) return Promise.resolve()
    return new Promise(resolve => this.signal.addEventListener('abort', () => resolve(), { once: true }))
  }

  add (position: number, fn: () => unknown): void {
    let running: Promise<void> | null = null
    const run = () => {
      running ??= Promise.resolve().then(fn).then(noop)
      return running
    }
    this.steps.push({ position, run, unregister: goodbye(run, position) })
  }

  // Runs every step in order (each group of one position together).
  close (): Promise<void> {
    this.closing ??= this.closeNow()
    return this.closing
  }

  private async closeNow (): Promise<void> {
    const positions = [...new Set(this.steps.map(s => s.position))].sort((a, b) => a - b)
    for (const position of positions) {
      const group = this.steps.filter(s => s.position === position)
      const results = await Promise.allSettled(group.map(s => s.run()))
      for (const r of results) if (r.status === 'rejected') safetyCatch(r.reason)
    }
    for (const step of this.steps) step.unregister()
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}

function noop () {}
