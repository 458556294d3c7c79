import { StringDecoder } from 'node:string_decoder'
import { type Entry, MAX_ENTRY_BYTES, chat, encodeEntry, parseEntryJson } from './entries.js'
import { HyperfeedError, entryTooLarge, invalidEntry, unknownCommand } from './errors.js'

// Where lines go: a feed or a room (all or nothing per call).
export interface Appender {
  append (entries: Entry[], encoded?: Buffer[]): Promise<{ seq: number, length: number }>
  readonly maxEntryBytes?: number
}

// past this a line can never be a valid entry: it is dropped as it streams in
const MAX_LINE_CHARS = 2 * MAX_ENTRY_BYTES
// appends of a few thousand entries are Hypercore's fastest (2,500 beat 1,000 and 10,000)
const MAX_BATCH = 2500
const HIGH_WATER_LINES = 50_000

export type LineCommand = (args: string) => Promise<Entry[]>

export interface LineInputOptions {
  nick: string
  json?: boolean
  commands?: Record<string, LineCommand>
  onReject?: (err: HyperfeedError, line: string) => void
  onAppend?: (seq: number, line: string) => void
}

interface Pending {
  text: string
  entry: Entry | null
  block?: Buffer
  error?: HyperfeedError
  seq?: number
}

// The writer's input as entries: lines that arrive while an append is in flight go out as one batch.
export class LineInput {
  private readonly target: Appender
  private readonly opts: LineInputOptions
  private readonly decoder = new StringDecoder('utf8')
  private partial = ''
  private partialTooLong = false
  private queue: (Pending | { command: string })[] = []
  private working: Promise<void> | null = null
  private failure: Error | null = null
  private drainWaiters: (() => void)[] = []

  constructor (target: Appender, opts: LineInputOptions) {
    this.target = target
    this.opts = opts
  }

  // false: wait for drained() before pushing more
  push (chunk: Buffer | string): boolean {
    this.throwIfFailed()
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    const lines = text.split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) {
      this.take(line, this.partialTooLong)
      this.partialTooLong = false
    }
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = ''
      this.partialTooLong = true
    }
    this.kick()
    return this.queue.length < HIGH_WATER_LINES
  }

  private take (raw: string, tooLong: boolean): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (tooLong) {
      this.queue.push({ text: text.slice(0, 40) + '...', entry: null, error: invalidEntry(`the line is longer than ${MAX_LINE_CHARS} characters`) })
    } else if (text.startsWith('/') && !text.startsWith('//')) {
      this.queue.push({ command: text })
    } else if (text.length > 0) {
      this.queue.push(this.toEntry(text))
    }
  }

  // the last line counts even without a newline
  async end (): Promise<void> {
    const rest = this.partial + this.decoder.end()
    this.partial = ''
    if (rest.length > 0 || this.partialTooLong) this.take(rest, this.partialTooLong)
    this.partialTooLong = false
    this.kick()
    await this.idle()
  }

  async idle (): Promise<void> {
    while (this.working !== null) await this.working
    this.throwIfFailed()
  }

  drained (): Promise<void> {
    if (this.queue.length < HIGH_WATER_LINES || this.failure) return Promise.resolve()
    return new Promise(resolve => this.drainWaiters.push(resolve))
  }

  private throwIfFailed (): void {
    if (this.failure) throw this.failure
  }

  private kick (): void {
    if (this.working !== null || this.queue.length === 0 || this.failure) return
    this.working = this.work()
      .catch((err: Error) => { this.failure = err })
      .finally(() => {
        this.working = null
        for (const wake of this.drainWaiters.splice(0)) wake()
        this.kick()
      })
  }

  private async work (): Promise<void> {
    while (this.queue.length > 0) {
      const items = this.queue.splice(0, MAX_BATCH)
      if (this.queue.length < HIGH_WATER_LINES) for (const wake of this.drainWaiters.splice(0)) wake()
      // outcomes are reported in input order, once their batch is on disk
      let batch: Pending[] = []
      for (const item of items) {
        if ('command' in item) {
          await this.flush(batch)
          batch = []
          await this.runCommand(item.command)
        } else {
          batch.push(item)
        }
      }
      await this.flush(batch)
    }
  }

  private async flush (batch: Pending[]): Promise<void> {
    const entries = batch.filter(p => p.entry !== null)
    if (entries.length > 0) {
      try {
        const { seq } = await this.target.append(entries.map(p => p.entry!), entries.map(p => p.block!))
        entries.forEach((p, i) => { p.seq = seq + i })
      } catch (err) {
        if (!isRefusal(err)) throw err
        // refused (all or nothing): find the line(s) at fault
        for (const p of entries) {
          try {
            p.seq = (await this.target.append([p.entry!], [p.block!])).seq
          } catch (err) {
            if (!isRefusal(err)) throw err
            p.error = err
          }
        }
      }
    }
    for (const p of batch) {
      if (p.error) this.opts.onReject?.(p.error, p.text)
      else if (p.seq !== undefined) this.opts.onAppend?.(p.seq, p.text)
    }
  }

  private toEntry (text: string): Pending {
    const body = text.startsWith('//') ? text.slice(1) : text
    try {
      const entry = this.opts.json ? parseEntryJson(body) : chat(this.opts.nick, body)
      const block = encodeEntry(entry)
      const max = this.target.maxEntryBytes ?? MAX_ENTRY_BYTES
      if (block.length > max) throw entryTooLarge(block.length, max)
      return { text, entry, block }
    } catch (err) {
      if (!(err instanceof HyperfeedError)) throw err
      return { text, entry: null, error: err }
    }
  }

  private async runCommand (text: string): Promise<void> {
    const space = text.indexOf(' ')
    const name = text.slice(1, space === -1 ? undefined : space)
    const args = space === -1 ? '' : text.slice(space + 1).trim()
    const command = this.opts.commands?.[name]
    if (command === undefined) {
      const known = Object.keys(this.opts.commands ?? {}).map(c => '/' + c)
      const list = known.length > 0 ? `commands: ${known.join(', ')}; ` : ''
      this.reject(unknownCommand(name, list), text)
      return
    }
    let entries: Entry[]
    try {
      entries = await command(args)
    } catch (err) {
      if (!(err instanceof HyperfeedError)) throw err
      this.reject(err, text)
      return
    }
    if (entries.length === 0) return
    try {
      const { length } = await this.target.append(entries)
      this.opts.onAppend?.(length - 1, text)
    } catch (err) {
      if (!isRefusal(err)) throw err
      this.reject(err, text)
    }
  }

  private reject (err: HyperfeedError, line: string): void {
    this.opts.onReject?.(err, line)
  }
}

function isRefusal (err: unknown): err is HyperfeedError {
  return err instanceof HyperfeedError && err.status >= 400 && err.status < 500
}
