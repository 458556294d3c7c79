// Waiting on events with a deadline and an abort signal, in one place: every
// wait in hyperfeed is driven by the events the libraries emit, never by polling.

export interface Listenable {
  on (event: string, listener: (...args: any[]) => void): unknown
  off (event: string, listener: (...args: any[]) => void): unknown
}

export interface WaitOptions {
  // ms; Infinity waits for ever
  timeout?: number
  signal?: AbortSignal | undefined
}

// One source of wake-ups: `emitter` firing `event`; `value` (when given) maps
// the event's arguments to the result (undefined: keep waiting).
export interface Trigger<T> {
  emitter: Listenable
  event: string
  value?: (...args: any[]) => T | undefined
}

// Resolves with the first trigger's value (true for a trigger without one),
// or `fallback` after `timeout` ms or when `signal` aborts. Every listener and
// the timer are gone once it resolves.
export function firstOf<T = boolean> (triggers: Trigger<T>[], { timeout = Infinity, signal }: WaitOptions = {}, fallback: T = false as T): Promise<T> {
  if (signal?.aborted === true) return Promise.resolve(fallback)
  return new Promise(resolve => {
    const listeners = triggers.map(({ emitter, event, value }) => {
      const listener = (...args: unknown[]) => {
        const v = value === undefined ? true as T : value(...args)
        if (v !== undefined) done(v)
      }
      emitter.on(event, listener)
      return () => emitter.off(event, listener)
    })
    const onAbort = () => done(fallback)
    const timer = Number.isFinite(timeout) ? setTimeout(() => done(fallback), Math.max(0, timeout)) : null
    signal?.addEventListener('abort', onAbort, { once: true })
    function done (v: T): void {
      if (timer !== null) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      for (const off of listeners) off()
      resolve(v)
    }
  })
}

// Resolves true once `check` holds, checking now and again whenever one of the
// triggers fires; false after `timeout` ms or on abort. Checks never overlap.
export async function until (check: () => boolean | Promise<boolean>, triggers: Trigger<unknown>[], { timeout = Infinity, signal }: WaitOptions = {}): Promise<boolean> {
  const deadline = Date.now() + timeout
  if (await check()) return true
  const wake = new Wake(triggers)
  try {
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0 || signal?.aborted === true) return false
      if (!(await wake.next({ timeout: left, signal }))) return await check()
      if (await check()) return true
    }
  } finally {
    wake.close()
  }
}

// Resolves after `ms`, or at once when `signal` aborts. Does not keep the process alive.
export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve()
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    timer.unref?.()
    signal?.addEventListener('abort', done, { once: true })
  })
}

// Counts trigger events between checks, so none fired while a check ran is lost.
class Wake {
  private pending = 0
  private waiter: (() => void) | null = null
  private readonly offs: (() => void)[]

  constructor (triggers: Trigger<unknown>[]) {
    this.offs = triggers.map(({ emitter, event }) => {
      const listener = () => {
        this.pending++
        this.waiter?.()
      }
      emitter.on(event, listener)
      return () => emitter.off(event, listener)
    })
  }

  // true when a trigger fired (now or since the last call), false on timeout or abort
  async next ({ timeout = Infinity, signal }: WaitOptions): Promise<boolean> {
    if (this.pending === 0 && signal?.aborted !== true) {
      await new Promise<void>(resolve => {
        const done = () => {
          if (timer !== null) clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          this.waiter = null
          resolve()
        }
        const timer = Number.isFinite(timeout) ? setTimeout(done, Math.max(0, timeout)) : null
        signal?.addEventListener('abort', done, { once: true })
        this.waiter = done
      })
    }
    const fired = this.pending > 0
    this.pending = 0
    return fired
  }

  close (): void {
    for (const off of this.offs) off()
    this.waiter = null
  }
}
