import { StringDecoder } from 'node:string_decoder'
import { type Entry, MAX_ENTRY_BYTES, chat, encodeEntry, parseEntryJson } from './entries.js'
import { HyperfeedError, entryTooLarge, invalidEntry, unknownCommand } from './errors.js'

// Where lines go: a feed, or a room (anything that appends entries in order,
// all or nothing per call, and says where the first one landed).
export interface Appender {
  append (entries: Entry[], encoded?: Buffer[]): Promise<{ seq: number, length: number }>
  // the largest entry it takes, when below MAX_ENTRY_BYTES (a packed feed's)
  readonly maxEntryBytes?: number
}

// Longest partial line kept while waiting for its newline; past this the line
// can never become a valid entry, so it is dropped as it streams in.
const MAX_LINE_CHARS = 2 * MAX_ENTRY_BYTES
// appends of a few thousand entries are Hypercore's fastest (measured: 2,500
// beats both 1,000 and 10,000)
const MAX_BATCH = 2500
const HIGH_WATER_LINES = 50_000

// A `/name args` line: returns the entries to append in its place.
export type LineCommand = (args: string) => Promise<Entry[]>

export interface LineInputOptions {
  nick: string
  json?: boolean
  commands?: Record<string, LineCommand>
  // a line was refused; nothing was appended for it
  onReject?: (err: HyperfeedError, line: string) => void
  // a line's entries are on disk; seq of its (last) entry
  onAppend?: (seq: number, line: string) => void
}

interface Pending {
  text: string
  entry: Entry | null
  block?: Buffer
  error?: HyperfeedError
  seq?: number
}

// Turns the writer's input into entries: each line a chat entry (or, with
// json, an entry object), `/command` lines run in order, and lines that arrive
// while an append is in flight go out together as one batch.
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

  // Feeds a chunk of input. Returns false when the caller should wait for
  // drained() before pushing more.
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

  // Lines are parsed as they arrive, so parsing overlaps the append in flight.
  private take (raw: string, tooLong: boolean): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (tooLong) {
      this.queue.push({ text: text.slice(0, 40) + '...', entry: null, error: invalidEntry(`the line is longer than ${MAX_LINE_CHARS} characters`) })
    } else if (text.length === 0) {
      // skipped
    } else if (text.startsWith('/') && !text.startsWith('//')) {
      this.queue.push({ command: text })
    } else {
      this.queue.push(this.toEntry(text))
    }
  }

  // Input ended: the last line counts even without a newline. Resolves when
  // every line is appended (or refused).
  async end (): Promise<void> {
    const rest = this.partial + this.decoder.end()
    this.partial = ''
    if (rest.length > 0 || this.partialTooLong) this.take(rest, this.partialTooLong)
    this.partialTooLong = false
    this.kick()
    await this.idle()
  }

  // Resolves when everything queued so far has been handled.
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
      // outcomes are reported in input order, after the batch they belong to is on disk
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
        // the feed refused the batch (all or nothing): find the line(s) at fault
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
