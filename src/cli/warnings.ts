import type { Listenable } from '../wait.js'
import { plural } from './command.js'
import type { Status } from './output.js'

// a cause printed once stays quiet this long
export const REPEAT_AFTER = 60_000
const MAX_CAUSES = 256
const MAX_LINE = 300

// A peer that keeps failing is news once a minute, not four times a second.
export class Warnings {
  private readonly status: Status
  private readonly repeatAfter: number
  private readonly now: () => number
  private readonly seen = new Map<string, { at: number, repeats: number }>()

  constructor (status: Status, { repeatAfter = REPEAT_AFTER, now = Date.now }: { repeatAfter?: number, now?: () => number } = {}) {
    this.status = status
    this.repeatAfter = repeatAfter
    this.now = now
  }

  watch (emitter: Listenable, label: string): void {
    emitter.on('warning', (err: unknown) => this.report(label, err))
  }

  report (label: string, err: unknown): void {
    const message = oneLine((err as Error)?.message ?? String(err))
    const key = label + '\n' + message
    const at = this.now()
    const last = this.seen.get(key)
    if (last !== undefined && at - last.at < this.repeatAfter) {
      last.repeats++
      return
    }
    this.seen.delete(key)
    this.seen.set(key, { at, repeats: 0 })
    if (this.seen.size > MAX_CAUSES) this.seen.delete(this.seen.keys().next().value!)
    const again = last !== undefined && last.repeats > 0 ? ` (${plural(last.repeats, 'more time')} in the last ${Math.round((at - last.at) / 1000)} s)` : ''
    this.status.info(`hyperfeed: ${label}: ${message}${again}`)
  }
}

function oneLine (text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ')
  return line.length > MAX_LINE ? line.slice(0, MAX_LINE - 3) + '...' : line
}
