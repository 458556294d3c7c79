import type Hypercore from 'hypercore'
import safetyCatch from 'safety-catch'
import { type EntryResult, isUnreadable } from '../entries.js'
import { ChainChecker, isBlockEntry } from '../chain/block.js'
import { decodeBlock } from './pack.js'

const DEFAULT_BATCH = 256
// blocks downloaded ahead of the reader (a packed block holds many entries)
const PREFETCH_WINDOW = 32_768
const PREFETCH_STEP = PREFETCH_WINDOW / 4

export interface FollowOptions {
  // entry numbers (with packed blocks, entries are not blocks)
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
  // blocks read concurrently per batch
  batch?: number
  // check block entries against the chain (marks them valid or not); when
  // starting past 0, the blocks before `start` are read first to know the chain
  verify?: boolean | ChainChecker | { minDifficulty: number }
}

// Where entry N is: its block, and how many entries of that block come before it.
export interface EntryLocation {
  block: number
  offset: number
}

// What a follower needs of a feed: its core, and how to find an entry's block.
export interface FollowSource {
  readonly core: Hypercore
  locate (entry: number, opts?: { wait?: boolean }): Promise<EntryLocation | null>
}

// Reads a feed in order, in batches of entries read concurrently. Local entries
// come out at once; missing ones are fetched (prefetched in ranges) from peers.
// Packed blocks are unpacked: positions count entries.
export class Follower implements AsyncIterable<EntryResult[]> {
  private readonly source: FollowSource
  private readonly session: Hypercore
  private readonly opts: Required<Omit<FollowOptions, 'end' | 'verify'>> & { end: number }
  readonly chain: ChainChecker | null
  private primed: boolean
  // ranges being downloaded ahead of the reader, and where the last one ends (blocks)
  private downloads: { end: number, range: Hypercore.Download }[] = []
  private openRange: Hypercore.Download | null = null
  private prefetchEnd = 0
  private wake: (() => void) | null = null
  private destroyed = false
  private readonly onAppend = () => this.wakeUp()
  // the next entry to give out, and the block it is in
  position: number
  private block = 0

  constructor (source: FollowSource, { start = 0, end, live = end === undefined, prefetch = true, wait = true, batch = DEFAULT_BATCH, verify = false }: FollowOptions = {}) {
    this.source = source
    this.session = source.core.session()
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
    // entries before `start` in the first block are skipped
    let skip = 0
    if (this.position > 0) {
      let at: EntryLocation | null
      for (;;) {
        at = await this.source.locate(this.position, { wait })
        if (at !== null || !live || this.destroyed) break
        await this.waitForAppend() // entry `start` is not written yet
      }
      if (at === null) return
      this.block = at.block
      skip = at.offset
    }
    this.prefetchEnd = this.block
    while (!this.destroyed) {
      if (this.position >= end) return
      // entries [0, end) lie in blocks [0, end) (a block holds one entry or more)
      const target = Math.min(end, this.session.length)
      if (prefetch && wait) this.prefetch(target)
      if (this.block >= target) {
        if (!live) return
        await this.waitForAppend()
        continue
      }
      const upto = Math.min(target, this.block + batch)
      const gets: Promise<Buffer | null>[] = []
      const here: boolean[] = []
      for (let b = this.block; b < upto; b++) {
        const i = gets.length
        const get = this.session.get(b, { wait })
        get.then(() => { here[i] = true }, noop)
        gets.push(get)
      }
      let out: EntryResult[] = []
      let stop = false
      for (let n = 0; n < gets.length; n++) {
        // what is read comes out before waiting on a block that has to come from peers
        if (out.length > 0 && here[n] !== true && this.block >= this.session.contiguousLength) {
          yield out
          out = []
        }
        let block: Buffer | null
        try {
          block = await gets[n]!
        } catch (err) {
          if (this.destroyed) return
          throw err
        }
        if (block === null) {
          stop = true // not waiting, and this block is not stored here
          break
        }
        const content = decodeBlock(this.position - skip, block)
        const entries = content.kind === 'batch' ? content.entries : [content.result]
        for (let i = skip; i < entries.length && this.position < end; i++) {
          const r = entries[i]!
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
        if (stop) break
        skip = 0
        this.block++
        if (this.position >= end) break
      }
      if (out.length > 0) yield out
      if (stop) return
    }
  }

  // Reads the entries before `start`, so the first block shown is checked
  // against the real chain. False when (not waiting) some are not stored here.
  private async prime (): Promise<boolean> {
    const checker = new ChainChecker({ minDifficulty: this.chain!.minDifficulty })
    const before = new Follower(this.source, { start: 0, end: this.opts.start, live: false, prefetch: this.opts.prefetch, wait: this.opts.wait })
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
      if (target - this.block <= PREFETCH_WINDOW) return
      // far behind again (a burst of appends, or the feed's real length just
      // became known): back to windows, from where they stopped
      this.openRange.destroy()
      this.openRange = null
    }
    this.downloads = this.downloads.filter(d => {
      if (d.end > this.block) return true
      d.range.destroy()
      return false
    })
    if (this.opts.live && this.opts.end === Infinity && target - this.block <= PREFETCH_WINDOW) {
      this.openRange = this.session.download({ start: this.prefetchEnd, end: -1 })
      return
    }
    const want = Math.min(target, this.block + PREFETCH_WINDOW)
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

function noop () {}
