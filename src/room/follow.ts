import type Hypercore from 'hypercore'
import safetyCatch from 'safety-catch'
import { type EntryResult, decodeEntry } from '../entries.js'

const DEFAULT_BATCH = 256
const HEAD = /^\{"author":"([0-9a-f]{64})","authorSeq":(\d+),"(value|error)":/

// An entry of the room: what a member posted, where it is in the room's
// order (seq), and who posted it (author, authorSeq: for good).
export type RoomEntry = EntryResult & { author: string, authorSeq: number }

export interface RoomFollowOptions {
  start?: number
  // exclusive end; without it a live follower never ends
  end?: number
  live?: boolean
  batch?: number
}

// Reads log records [start, end) as room entries. A record keeps the member's
// JSON text as written, so it is decoded exactly as a feed's entry is.
export async function readRecords (log: Hypercore, start: number, end: number): Promise<RoomEntry[]> {
  const gets: Promise<Buffer | null>[] = []
  for (let seq = start; seq < end; seq++) gets.push(log.get(seq))
  const blocks = await Promise.all(gets)
  return blocks.map((block, i) => toRoomEntry(start + i, block))
}

export function toRoomEntry (seq: number, block: Buffer | null): RoomEntry {
  const text = block === null ? '' : block.toString('utf8')
  const m = HEAD.exec(text)
  if (m === null) return { seq, unreadable: 'damaged room record', author: '', authorSeq: -1 }
  const author = m[1]!
  const authorSeq = Number(m[2])
  const body = text.slice(m[0].length, -1)
  if (m[3] === 'error') {
    let reason = 'unreadable'
    try { reason = String(JSON.parse(body)) } catch {}
    return { seq, unreadable: reason, author, authorSeq }
  }
  const r = decodeEntry(seq, Buffer.from(body))
  return { ...r, author, authorSeq }
}

export const entryId = (r: RoomEntry) => r.author + ':' + r.authorSeq

// Follows the room's log. The log is rewritten from some point on when entries
// written concurrently (or offline) arrive and sort earlier: the follower then
// goes back to that point, and skips the entries it gave out already, so each
// entry comes out once, in the order the room had when it came out.
export class RoomFollower implements AsyncIterable<RoomEntry[]> {
  private readonly log: Hypercore
  private readonly end: number
  private readonly live: boolean
  private readonly batch: number
  // what was given out at each position (author, authorSeq), kept compact:
  // any position may be rewritten later (Autobase can also jump to a
  // different signed state), so none is forgotten
  private readonly given: GivenLog
  private readonly skip = new Set<string>()
  private wake: (() => void) | null = null
  private destroyed = false
  private readonly onAppend = () => this.wakeUp()
  private readonly onTruncate = (length: number) => this.rewind(length)
  position: number

  constructor (log: Hypercore, { start = 0, end, live = end === undefined, batch = DEFAULT_BATCH }: RoomFollowOptions = {}) {
    this.log = log
    this.position = start
    this.given = new GivenLog(start)
    this.end = end ?? Infinity
    this.live = live
    this.batch = batch
    log.on('append', this.onAppend)
    log.on('truncate', this.onTruncate)
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<RoomEntry[]> {
    try {
      while (!this.destroyed) {
        const target = Math.min(this.end, this.log.length)
        if (this.position >= this.end) return
        if (this.position >= target) {
          if (!this.live) return
          await new Promise<void>(resolve => { this.wake = resolve })
          continue
        }
        const fork = this.log.fork
        const from = this.position
        let records: RoomEntry[]
        try {
          records = await readRecords(this.log, from, Math.min(target, from + this.batch))
        } catch (err) {
          if (this.destroyed) return
          if (this.log.fork !== fork) continue // rewritten while reading: read again
          throw err
        }
        if (this.log.fork !== fork || this.position !== from) continue
        const out: RoomEntry[] = []
        for (const r of records) {
          const id = entryId(r)
          this.given.set(r.seq, r.author, r.authorSeq)
          this.position++
          if (this.skip.delete(id)) continue
          out.push(r)
        }
        if (out.length > 0) yield out
      }
    } finally {
      this.destroy().catch(safetyCatch)
    }
  }

  private rewind (length: number): void {
    if (length >= this.position) return
    for (let seq = length; seq < this.position; seq++) {
      const id = this.given.get(seq)
      if (id !== null) this.skip.add(id)
    }
    this.given.truncate(length)
    this.position = length
    this.wakeUp()
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = null
    wake?.()
  }

  async destroy (): Promise<void> {
    if (this.destroyed) return
    this.destroyed = true
    this.log.off('append', this.onAppend)
    this.log.off('truncate', this.onTruncate)
    this.wakeUp()
  }
}


// (author, authorSeq) by position, about 12 bytes each: authors are numbered.
class GivenLog {
  private readonly start: number
  private readonly authors: string[] = []
  private readonly index = new Map<string, number>()
  private authorAt = new Uint32Array(1024)
  private seqAt = new Float64Array(1024)
  private length = 0

  constructor (start: number) {
    this.start = start
  }

  set (at: number, author: string, authorSeq: number): void {
    const pos = at - this.start
    if (pos < 0 || pos > this.length) return // given out in order, from where the follower started
    while (pos >= this.authorAt.length) this.grow()
    let i = this.index.get(author)
    if (i === undefined) {
      i = this.authors.push(author) - 1
      this.index.set(author, i)
    }
    this.authorAt[pos] = i
    this.seqAt[pos] = authorSeq
    this.length = Math.max(this.length, pos + 1)
  }

  get (at: number): string | null {
    const pos = at - this.start
    if (pos < 0 || pos >= this.length) return null
    return this.authors[this.authorAt[pos]!] + ':' + this.seqAt[pos]
  }

  truncate (at: number): void {
    this.length = Math.max(0, Math.min(this.length, at - this.start))
  }

  private grow (): void {
    const authors = new Uint32Array(this.authorAt.length * 2)
    authors.set(this.authorAt)
    const seqs = new Float64Array(this.seqAt.length * 2)
    seqs.set(this.seqAt)
    this.authorAt = authors
    this.seqAt = seqs
  }
}
