import ReadyResource from 'ready-resource'
import type { Feed } from '../feed/feed.js'
import type { Room } from '../room/room.js'
import type { IndexInput, SearchIndex } from './search-index.js'

// entries read and indexed in one write
const DEFAULT_BATCH = 2048

// What an index follows: a feed or a room, read in order.
export interface IndexSource {
  readonly length: number
  // a feed's fork: its writer rewrote it, so it is indexed again from nothing
  readonly fork: number
  // entries [start, end) stored here; fewer when one is missing (a sparse copy)
  read (start: number, end: number): Promise<IndexInput[]>
  // calls back on new entries (null) and when the order is rewritten from `length` on
  watch (onChange: (truncated: number | null) => void): () => void
}

export function feedSource (feed: Feed): IndexSource {
  return {
    get length () { return feed.length },
    get fork () { return feed.core.fork },
    read: (start, end) => feed.read(start, end, { wait: false }),
    watch (onChange) {
      const appended = () => onChange(null)
      feed.on('append', appended)
      return () => feed.off('append', appended)
    }
  }
}

export function roomSource (room: Room): IndexSource {
  return {
    get length () { return room.length },
    fork: 0,
    read: (start, end) => room.read(start, end),
    watch (onChange) {
      const updated = () => onChange(null)
      const truncated = (length: number) => onChange(length)
      room.on('update', updated)
      room.log.on('truncate', truncated)
      return () => {
        room.off('update', updated)
        room.log.off('truncate', truncated)
      }
    }
  }
}

// Keeps a search index in step with its feed or room: catches up from where
// the index stands (from nothing when it was missing), then indexes entries as
// they arrive, and again from where a room's order was rewritten.
// Emits 'progress' (entries indexed) and 'error'.
export class SearchUpdater extends ReadyResource {
  readonly index: SearchIndex
  private readonly source: IndexSource
  private readonly batch: number
  private unwatch: (() => void) | null = null
  private running: Promise<void> | null = null
  private again = false
  private truncateTo: number | null = null

  constructor (index: SearchIndex, source: IndexSource, { batch = DEFAULT_BATCH }: { batch?: number } = {}) {
    super()
    this.index = index
    this.source = source
    this.batch = batch
  }

  protected override async _open (): Promise<void> {
    await this.index.ready()
    this.unwatch = this.source.watch((truncated) => {
      if (truncated !== null) this.truncateTo = Math.min(this.truncateTo ?? Infinity, truncated)
      this.kick().catch(noop)
    })
    this.kick().catch(noop)
  }

  protected override async _close (): Promise<void> {
    this.unwatch?.()
    while (this.running !== null) await this.running.catch(noop)
  }

  // Resolves once everything stored so far is indexed (rejects with what stopped it).
  async update (): Promise<void> {
    await this.ready()
    await this.kick()
    while (this.running !== null) await this.running
  }

  private kick (): Promise<void> {
    if (this.running !== null) {
      this.again = true
      return this.running
    }
    if (this.closing !== null) return Promise.resolve()
    const run: Promise<void> = this.work().finally(() => { if (this.running === run) this.running = null })
    this.running = run
    // in the background, a failure is reported (and the next change tries again)
    run.catch((err: Error) => { if (this.listenerCount('error') > 0) this.emit('error', err) })
    return run
  }

  private async work (): Promise<void> {
    const { index, source } = this
    do {
      this.again = false
      if (this.truncateTo !== null) {
        const length = this.truncateTo
        this.truncateTo = null
        await index.truncate(length)
      }
      if (source.fork !== index.fork) await index.reset(source.fork)
      while (index.length < source.length && this.closing === null && this.truncateTo === null) {
        const start = index.length
        const entries = await source.read(start, Math.min(source.length, start + this.batch))
        // (a gap in a sparse copy: what comes after it is indexed once it arrives)
        if (entries.length === 0 || entries[0]!.seq !== start) break
        await index.add(entries)
        this.emit('progress', index.length)
      }
    } while ((this.again || this.truncateTo !== null) && this.closing === null)
  }
}

function noop () {}
