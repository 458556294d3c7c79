import { type Entry, type EntryResult, MAX_ENTRY_BYTES, encodeEntry, isObject, isUnreadable } from '../entries.js'
import { HyperfeedError, badImportLine } from '../errors.js'

// Export format: JSON lines, one entry each, in order, numbered from 0.
//   a feed's   {"seq":N,"value":ENTRY}
//   a room's   {"seq":N,"author":"<64 hex>","authorSeq":M,"value":ENTRY}
// ENTRY is the entry's JSON as stored (so export, import, export gives the
// same bytes). An entry that could not be read is {"seq":N[,..],"error":WHY};
// it cannot be imported. Lines that `view --json` and `room chat --json` print
// are export lines too: their annotations ("valid", "chain", "error" beside a
// value, "ignored") are read and dropped. (`--resolved` lines are a view of
// the messages, not entries: they are refused.)

const HEX64 = /^[0-9a-f]{64}$/
const FEED_HEAD = /^\{"seq":(\d+),"value":/
const ROOM_HEAD = /^\{"seq":(\d+),"author":"([0-9a-f]{64})","authorSeq":(\d+),"value":/
const ANNOTATIONS = new Set(['valid', 'chain', 'error', 'ignored'])
// a line longer than this cannot hold an entry of MAX_ENTRY_BYTES (JSON escapes aside)
const MAX_LINE = 6 * MAX_ENTRY_BYTES + 200

export type EntryLine = EntryResult & { author?: string, authorSeq?: number }

export function exportLine (r: EntryLine): string {
  const head = r.author === undefined || r.authorSeq === undefined
    ? `{"seq":${r.seq}`
    : `{"seq":${r.seq},"author":"${r.author}","authorSeq":${r.authorSeq}`
  if (isUnreadable(r)) return `${head},"error":${JSON.stringify(r.unreadable)}}`
  let value: string
  try {
    value = r.raw ?? JSON.stringify(r.value)
  } catch {
    return `${head},"error":"entry too deeply nested to print"}`
  }
  return `${head},"value":${value}}`
}

export interface ImportEntry {
  // the line it came from (from 1)
  line: number
  seq: number
  author: string | null
  authorSeq: number | null
  value: Entry
  // the bytes to append: the entry's JSON as it was exported
  block: Buffer
}

export interface ParsedExport {
  room: boolean
  entries: ImportEntry[]
}

// Reads an export as it streams in; throws (BAD_IMPORT, with the line
// number) at the first line that is not an entry, in order, of one feed or
// one room. end() returns every entry. The caller imports nothing unless it
// gets there: all or nothing.
export class ExportReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  private partial = ''
  private line = 0
  private room: boolean | null = null
  private readonly entries: ImportEntry[] = []
  private readonly lastOf = new Map<string, number>()

  push (chunk: Buffer | Uint8Array | string): void {
    let text: string
    try {
      text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true })
    } catch {
      throw badImportLine(this.line + 1, 'not UTF-8 text')
    }
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop()!
    for (const l of lines) this.take(l)
    if (this.partial.length > MAX_LINE) throw badImportLine(this.line + 1, `the line is longer than an entry can be (${MAX_ENTRY_BYTES} bytes)`)
  }

  end (): ParsedExport {
    let rest: string
    try {
      rest = this.partial + this.decoder.decode()
    } catch {
      throw badImportLine(this.line + 1, 'not UTF-8 text')
    }
    this.partial = ''
    if (rest.length > 0) this.take(rest)
    if (this.line === 0) throw badImportLine(1, 'the export is empty')
    return { room: this.room ?? false, entries: this.entries }
  }

  private take (raw: string): void {
    const n = ++this.line
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    try {
      this.entries.push(this.parse(text, n))
    } catch (err) {
      if (err instanceof HyperfeedError && err.code === 'BAD_IMPORT') throw err
      throw badImportLine(n, err instanceof HyperfeedError ? err.message : String(err))
    }
  }

  private parse (text: string, n: number): ImportEntry {
    const fail = (reason: string) => badImportLine(n, reason)
    if (text.length === 0) throw fail('an empty line')
    let o: unknown
    try {
      o = JSON.parse(text)
    } catch {
      throw fail('not JSON')
    }
    if (!isObject(o)) throw fail('not a JSON object')
    if ('text' in o && 'edited' in o) throw fail('a --resolved line (messages as they are now); import takes an export without --resolved')
    const room = 'author' in o || 'authorSeq' in o
    if (this.room === null) this.room = room
    if (room !== this.room) throw fail(this.room ? 'a feed\'s line in a room\'s export' : 'a room\'s line (with author and authorSeq) in a feed\'s export')
    for (const k of Object.keys(o)) {
      if (k !== 'seq' && k !== 'value' && k !== 'author' && k !== 'authorSeq' && !ANNOTATIONS.has(k)) throw fail(`${JSON.stringify(k)} is not a key of an export line`)
    }
    const expected = this.entries.length
    if (o.seq !== expected) throw fail(`seq is ${JSON.stringify(o.seq)}, expected ${expected} (entries in order from 0)`)
    let author: string | null = null
    let authorSeq: number | null = null
    if (room) {
      if (typeof o.author !== 'string' || !HEX64.test(o.author)) throw fail('author is a member\'s key (64 lowercase hex characters)')
      if (typeof o.authorSeq !== 'number' || !Number.isSafeInteger(o.authorSeq) || o.authorSeq < 0) throw fail('authorSeq is an integer from 0')
      const last = this.lastOf.get(o.author)
      if (last !== undefined && o.authorSeq <= last) throw fail(`authorSeq ${o.authorSeq} of ${o.author.slice(0, 12)}... comes after its ${last}`)
      this.lastOf.set(o.author, o.authorSeq)
      author = o.author
      authorSeq = o.authorSeq
    }
    if (!('value' in o)) {
      if (typeof o.error === 'string') throw fail(`entry ${expected} could not be read when it was exported (${o.error}): it cannot be imported`)
      throw fail('no value (an export line is {"seq":N,"value":ENTRY})')
    }
    if (!isObject(o.value) || typeof o.value.type !== 'string') throw fail('value is an entry: a JSON object with a string "type"')
    // checked as an append would check it (size, chat shape, references)
    const encoded = encodeEntry(o.value)
    const block = this.verbatim(text, room, o) ?? encoded
    if (block.length > MAX_ENTRY_BYTES) throw fail(`the entry is ${block.length} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`)
    return { line: n, seq: expected, author, authorSeq, value: o.value as Entry, block }
  }

  // The value's bytes as written, when the line is exactly an export line
  // (nothing after the value); otherwise null (the value is written anew).
  private verbatim (text: string, room: boolean, o: Record<string, unknown>): Buffer | null {
    if (Object.keys(o).length !== (room ? 4 : 2)) return null
    const m = (room ? ROOM_HEAD : FEED_HEAD).exec(text)
    if (m === null || !text.endsWith('}')) return null
    const value = text.slice(m[0].length, -1)
    // (a key given twice: JSON.parse keeps the last, the slice would hold both)
    try {
      if (JSON.stringify(JSON.parse(value)) !== JSON.stringify(o.value)) return null
    } catch {
      return null
    }
    return Buffer.from(value)
  }
}

export function parseExport (text: string): ParsedExport {
  const reader = new ExportReader()
  reader.push(text)
  return reader.end()
}
