import goodbye from 'graceful-goodbye'
import ReadyResource from 'ready-resource'
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

// Steps run on SIGINT/SIGTERM, when the event loop empties (graceful-goodbye)
// or when the command ends, each once, whichever comes first.
export class Shutdown extends ReadyResource {
  private readonly steps: Step[] = []
  private readonly controller = new AbortController()
  private signals = 0
  private readonly onSignal = () => {
    // a second signal means "now": the closing under way is abandoned
    if (++this.signals > 1) process.exit(130)
    this.controller.abort()
  }

  protected override async _open (): Promise<void> {
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  get signal (): AbortSignal {
    return this.controller.signal
  }

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

  protected override async _close (): Promise<void> {
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
