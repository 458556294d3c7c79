import type Hypercore from 'hypercore'
import { type EntryResult, decodeEntry, isUnreadable } from '../entries.js'
import { ChainChecker, isBlockEntry } from '../chain/block.js'
import safetyCatch from 'safety-catch'

const DEFAULT_BATCH = 256
const PREFETCH_WINDOW = 32_768
const PREFETCH_STEP = PREFETCH_WINDOW / 4

export interface FollowOptions {
  start?: number
  // exclusive end; without it a live follower never ends and a non-live one
  // stops at the length it finds when it gets there
  end?: number
  live?: boolean
  // download the whole range in the background, in parallel ranges, instead of
  // block by block as entries are read
  prefetch?: boolean
  // wait for missing blocks to arrive from peers (false: stop at the first gap)
  wait?: boolean
  // entries per batch, read concurrently
  batch?: number
  // check block entries against the chain (marks them valid or not); when
  // starting past 0, the blocks before `start` are read first to know the chain
  verify?: boolean | ChainChecker | { minDifficulty: number }
}

// Reads a feed in order, in batches of entries read concurrently. Local entries
// come out at once; missing ones are fetched (prefetched in ranges) from peers.
export class Follower implements AsyncIterable<EntryResult[]> {
  private readonly session: Hypercore
  private readonly opts: Required<Omit<FollowOptions, 'end' | 'verify'>> & { end: number }
  readonly chain: ChainChecker | null
  private primed: boolean
  // ranges being downloaded ahead of the reader, and where the last one ends
  private downloads: { end: number, range: Hypercore.Download }[] = []
  private openRange: Hypercore.Download | null = null
  private prefetchEnd = 0
  private wake: (() => void) | null = null
  private destroyed = false
  private readonly onAppend = () => this.wakeUp()
  position: number

  constructor (core: Hypercore, { start = 0, end, live = end === undefined, prefetch = true, wait = true, batch = DEFAULT_BATCH, verify = false }: FollowOptions = {}) {
    this.session = core.session()
    this.position = start
    this.chain = verify === false ? null : verify === true ? new ChainChecker() : verify instanceof ChainChecker ? verify : new ChainChecker(verify)
    this.primed = start === 0 || verify instanceof ChainChecker
    this.opts = { start, end: end ?? Infinity, live, prefetch, wait, batch }
    this.session.on('append', this.onAppend)
  }

  // The `verify` option for a follower that continues where this one stopped.
  get verifyNext (): boolean | ChainChecker {
    if (this.chain === null) return false
    return this.primed ? this.chain : true
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<EntryResult[]> {
    try {
      yield * this.run()
    } finally {
      await this.destroy()
    }
  }

  private async * run (): AsyncGenerator<EntryResult[]> {
    const { end, live, prefetch, wait, batch } = this.opts
    await this.session.ready()
    this.prefetchEnd = this.position
    while (!this.destroyed) {
      const target = Math.min(end, this.session.length)
      if (prefetch && wait) this.prefetch(target)
      if (this.position >= end) return
      if (this.position >= target) {
        if (!live) return
        await this.waitForAppend()
        continue
      }
      const upto = Math.min(target, this.position + batch)
      const gets: Promise<Buffer | null>[] = []
      for (let seq = this.position; seq < upto; seq++) gets.push(this.session.get(seq, { wait }))
      let blocks: (Buffer | null)[]
      try {
        blocks = await Promise.all(gets)
      } catch (err) {
        if (this.destroyed) return
        throw err
      }
      const out: EntryResult[] = []
      let stop = false
      for (const block of blocks) {
        if (block === null) break
        const r = decodeEntry(this.position, block)
        if (this.chain !== null && !isUnreadable(r) && isBlockEntry(r.value)) {
          // without waiting, a block whose predecessors are not all stored here cannot be checked yet
          if (!this.primed && !(await this.prime())) {
            stop = true
            break
          }
          const check = this.chain.check(r.value)
          r.valid = check.valid
          if (!check.valid) r.error = check.error
        }
        this.position++
        out.push(r)
      }
      if (out.length > 0) yield out
      if (stop || out.length < blocks.length) return // not waiting, and the next block is not stored here
    }
  }

  // Reads the blocks before `start`, so the first block shown is checked
  // against the real chain. False when (not waiting) some are not stored here.
  private async prime (): Promise<boolean> {
    const checker = new ChainChecker({ minDifficulty: this.chain!.minDifficulty })
    const before = new Follower(this.session, { start: 0, end: this.opts.start, live: false, prefetch: this.opts.prefetch, wait: this.opts.wait })
    for await (const batch of before) {
      for (const r of batch) if (!isUnreadable(r) && isBlockEntry(r.value)) checker.check(r.value)
    }
    if (before.position < this.opts.start) return false
    this.chain!.tip = checker.tip
    this.primed = true
    return true
  }

  // Keeps a window of blocks downloading ahead of the reader, in parallel
  // ranges, rather than one range over the whole feed: Hypercore keeps state
  // per requested block, so a window keeps memory flat on long feeds. Once the
  // reader is within a window of the end, a live follower asks for everything
  // from there on, including blocks not written yet.
  private prefetch (target: number): void {
    if (this.openRange !== null) {
      if (target - this.position <= PREFETCH_WINDOW) return
      // far behind again (a burst of appends, or the feed's real length just
      // became known): back to windows, from where they stopped
      this.openRange.destroy()
      this.openRange = null
    }
    this.downloads = this.downloads.filter(d => {
      if (d.end > this.position) return true
      d.range.destroy()
      return false
    })
    if (this.opts.live && this.opts.end === Infinity && target - this.position <= PREFETCH_WINDOW) {
      this.openRange = this.session.download({ start: this.prefetchEnd, end: -1 })
      return
    }
    const want = Math.min(target, this.position + PREFETCH_WINDOW)
    if (want - this.prefetchEnd < PREFETCH_STEP && want < target) return
    if (want <= this.prefetchEnd) return
    this.downloads.push({ end: want, range: this.session.download({ start: this.prefetchEnd, end: want }) })
    this.prefetchEnd = want
  }

  private waitForAppend (): Promise<void> {
    return new Promise(resolve => { this.wake = resolve })
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = null
    if (wake) wake()
  }

  async destroy (): Promise<void> {
    if (this.destroyed) return
    this.destroyed = true
    this.session.off('append', this.onAppend)
    for (const d of this.downloads) d.range.destroy()
    this.openRange?.destroy()
    this.wakeUp()
    await this.session.close().catch(safetyCatch)
  }
}
