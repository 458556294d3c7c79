import type Hypercore from 'hypercore'
import ReadyResource from 'ready-resource'
import { type EntryResult, decodeEntry } from '../entries.js'
import type { Listenable } from '../wait.js'
import { GivenLog } from './given-log.js'

const DEFAULT_BATCH = 256
const HEAD = /^\{"author":"([0-9a-f]{64})","authorSeq":(\d+),"(value|error)":/

// seq: where it is in the room's order now; (author, authorSeq): for good
export type RoomEntry = EntryResult & { author: string, authorSeq: number }

export interface RoomFollowOptions {
  // the room's 'update' (its view is whole again after a reorder): where given
  // entries that a reorder dropped are found and reported ('dropped')
  updates?: Listenable | null
  start?: number
  // exclusive end; without it a live follower never ends
  end?: number
  live?: boolean
  batch?: number
  // what a reader makes of a batch before it is given out (opening sealed entries)
  open?: ((batch: RoomEntry[]) => Promise<RoomEntry[]>) | null
}

// A record keeps the member's JSON text as written: it decodes as a feed's entry does.
export async function readRecords (log: Hypercore, start: number, end: number): Promise<RoomEntry[]> {
  const gets: Promise<Buffer | null>[] = []
  for (let seq = start; seq < end; seq++) gets.push(log.get(seq))
  const blocks = await Promise.all(gets)
  return blocks.map((block, i) => toRoomEntry(start + i, block))
}

export async function readOrdered (log: Hypercore, start: number, end: number): Promise<RoomEntry[]> {
  for (;;) {
    const fork = log.fork
    const out = await readRecords(log, start, Math.min(end, log.length))
    if (log.fork === fork) return out
  }
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

// Entries written concurrently (or offline) that sort earlier rewrite the log
// from some point on: the follower goes back there and skips what it gave out.
export class RoomFollower extends ReadyResource implements AsyncIterable<RoomEntry[]> {
  private readonly log: Hypercore
  private readonly end: number
  private readonly live: boolean
  private readonly batch: number
  private readonly open: ((batch: RoomEntry[]) => Promise<RoomEntry[]>) | null
  // Autobase can rewrite any position (or jump to another signed state)
  private readonly given: GivenLog
  private readonly skip = new Set<string>()
  // the lowest position rewound to since skip was last empty
  private rewoundTo = Infinity
  private readonly updates: Listenable | null
  private checking = false
  private readonly onUpdate = () => { this.findDropped().catch(err => this.emit('warning', err)) }
  private wake: (() => void) | null = null
  private readonly onAppend = () => this.wakeUp()
  private readonly onTruncate = (length: number) => this.rewind(length)
  position: number

  constructor (log: Hypercore, { start = 0, end, live = end === undefined, batch = DEFAULT_BATCH, open = null, updates = null }: RoomFollowOptions = {}) {
    super()
    this.log = log
    this.updates = updates
    this.position = start
    this.given = new GivenLog(start)
    this.end = end ?? Infinity
    this.live = live
    this.batch = batch
    this.open = open
  }

  protected override async _open (): Promise<void> {
    this.log.on('append', this.onAppend)
    this.log.on('truncate', this.onTruncate)
    this.updates?.on('update', this.onUpdate)
  }

  protected override async _close (): Promise<void> {
    this.log.off('append', this.onAppend)
    this.log.off('truncate', this.onTruncate)
    this.updates?.off('update', this.onUpdate)
    this.wakeUp()
  }

  // 'dropped' ([{ author, authorSeq }]): entries given out that the room's
  // order, whole again after a reorder, no longer holds (a removed member's
  // post ordered after its removal). Should one come back, it is given again.
  private async findDropped (): Promise<void> {
    if (this.skip.size === 0 || this.checking || this.stopped) return
    this.checking = true
    try {
      const fork = this.log.fork
      const records = await readRecords(this.log, Math.min(this.rewoundTo, this.log.length), this.log.length)
      if (this.log.fork !== fork) return
      const held = new Set(records.map(entryId))
      const dropped = [...this.skip].filter(id => !held.has(id))
      if (dropped.length === 0) return
      for (const id of dropped) this.skip.delete(id)
      if (this.skip.size === 0) this.rewoundTo = Infinity
      this.emit('dropped', dropped.map(id => {
        const [author, seq] = id.split(':') as [string, string]
        return { author, authorSeq: Number(seq) }
      }))
    } finally {
      this.checking = false
    }
  }

  destroy (): Promise<void> {
    return this.close()
  }

  private get stopped (): boolean {
    return this.closing !== null
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<RoomEntry[]> {
    try {
      await this.ready()
      while (!this.stopped) {
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
          if (this.stopped) return
          if (this.log.fork !== fork) continue // rewritten while reading: read again
          throw err
        }
        if (this.log.fork !== fork || this.position !== from) continue
        const out: RoomEntry[] = []
        for (const r of records) {
          this.given.set(r.seq, r.author, r.authorSeq)
          this.position++
          if (this.skip.delete(entryId(r))) {
            if (this.skip.size === 0) this.rewoundTo = Infinity
            continue
          }
          out.push(r)
        }
        if (out.length > 0) yield this.open === null ? out : await this.open(out)
      }
    } finally {
      await this.close()
    }
  }

  private rewind (length: number): void {
    if (length >= this.position) return
    for (let seq = length; seq < this.position; seq++) {
      const id = this.given.get(seq)
      if (id !== null) this.skip.add(id)
    }
    this.given.truncate(length)
    this.rewoundTo = Math.min(this.rewoundTo, length)
    this.position = length
    this.wakeUp()
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = null
    wake?.()
  }
}
