import type Hypercore from 'hypercore'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type EntryResult, isUnreadable } from '../entries.js'
import { ChainChecker, isBlockEntry } from '../chain/block.js'
import { decodeBlock } from './pack.js'

const DEFAULT_BATCH = 256
const PREFETCH_WINDOW = 32_768
const PREFETCH_STEP = PREFETCH_WINDOW / 4

export interface FollowOptions {
  // entry numbers (a packed block holds many entries)
  start?: number
  // exclusive; without it a live follower never ends and a non-live one stops at the length it finds
  end?: number
  live?: boolean
  prefetch?: boolean
  wait?: boolean
  batch?: number
  // starting past 0, the blocks before `start` are read first to know the chain
  verify?: boolean | ChainChecker | { minDifficulty: number }
}

export interface EntryLocation {
  block: number
  offset: number
}

export interface FollowSource {
  readonly core: Hypercore
  locate (entry: number, opts?: { wait?: boolean }): Promise<EntryLocation | null>
}

// Reads a feed in order, in batches read concurrently, prefetching ranges from peers.
// Iterating opens it; leaving the loop, close() or destroy() stops it.
export class Follower extends ReadyResource implements AsyncIterable<EntryResult[]> {
  private readonly source: FollowSource
  private session: Hypercore | null = null
  private readonly opts: Required<Omit<FollowOptions, 'end' | 'verify'>> & { end: number }
  readonly chain: ChainChecker | null
  private primed: boolean
  private downloads: { end: number, range: Hypercore.Download }[] = []
  private openRange: Hypercore.Download | null = null
  private prefetchEnd = 0
  private wake: (() => void) | null = null
  private readonly onAppend = () => this.wakeUp()
  position: number
  private block = 0

  constructor (source: FollowSource, { start = 0, end, live = end === undefined, prefetch = true, wait = true, batch = DEFAULT_BATCH, verify = false }: FollowOptions = {}) {
    super()
    this.source = source
    this.position = start
    this.chain = verify === false ? null : verify === true ? new ChainChecker() : verify instanceof ChainChecker ? verify : new ChainChecker(verify)
    this.primed = start === 0 || verify instanceof ChainChecker
    this.opts = { start, end: end ?? Infinity, live, prefetch, wait, batch }
  }

  protected override async _open (): Promise<void> {
    const session = this.source.core.session()
    this.session = session
    session.on('append', this.onAppend)
    await session.ready()
  }

  get verifyNext (): boolean | ChainChecker {
    if (this.chain === null) return false
    return this.primed ? this.chain : true
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<EntryResult[]> {
    try {
      await this.ready()
      if (this.session !== null && this.closing === null) yield * this.run(this.session)
    } finally {
      await this.close()
    }
  }

  private get stopped (): boolean {
    return this.closing !== null
  }

  private async * run (session: Hypercore): AsyncGenerator<EntryResult[]> {
    const { end, live, prefetch, wait, batch } = this.opts
    let skip = 0
    if (this.position > 0) {
      let at: EntryLocation | null
      for (;;) {
        at = await this.source.locate(this.position, { wait })
        if (at !== null || !live || this.stopped) break
        await this.waitForAppend() // entry `start` is not written yet
      }
      if (at === null) return
      this.block = at.block
      skip = at.offset
    }
    this.prefetchEnd = this.block
    while (!this.stopped) {
      if (this.position >= end) return
      // entries [0, end) lie in blocks [0, end)
      const target = Math.min(end, session.length)
      if (prefetch && wait) this.prefetch(session, target)
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
        const get = session.get(b, { wait })
        get.then(() => { here[i] = true }, noop)
        gets.push(get)
      }
      let out: EntryResult[] = []
      let stop = false
      for (let n = 0; n < gets.length; n++) {
        // what is read comes out before waiting on a block that has to come from peers
        if (out.length > 0 && here[n] !== true && this.block >= session.contiguousLength) {
          yield out
          out = []
        }
        let block: Buffer | null
        try {
          block = await gets[n]!
        } catch (err) {
          if (this.stopped) return
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

  // A window of blocks downloads ahead of the reader, not one range over the feed:
  // Hypercore keeps state per requested block. Near the end, a live follower asks for everything.
  private prefetch (session: Hypercore, target: number): void {
    if (this.openRange !== null) {
      if (target - this.block <= PREFETCH_WINDOW) return
      // far behind again (a burst of appends, or the real length just became known)
      this.openRange.destroy()
      this.openRange = null
    }
    this.downloads = this.downloads.filter(d => {
      if (d.end > this.block) return true
      d.range.destroy()
      return false
    })
    if (this.opts.live && this.opts.end === Infinity && target - this.block <= PREFETCH_WINDOW) {
      this.openRange = session.download({ start: this.prefetchEnd, end: -1 })
      return
    }
    const want = Math.min(target, this.block + PREFETCH_WINDOW)
    if (want - this.prefetchEnd < PREFETCH_STEP && want < target) return
    if (want <= this.prefetchEnd) return
    this.downloads.push({ end: want, range: session.download({ start: this.prefetchEnd, end: want }) })
    this.prefetchEnd = want
  }

  private waitForAppend (): Promise<void> {
    if (this.stopped) return Promise.resolve()
    return new Promise(resolve => { this.wake = resolve })
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = null
    if (wake) wake()
  }

  destroy (): Promise<void> {
    return this.close()
  }

  protected override async _close (): Promise<void> {
    for (const d of this.downloads) d.range.destroy()
    this.openRange?.destroy()
    this.wakeUp()
    this.session?.off('append', this.onAppend)
    await this.session?.close().catch(safetyCatch)
  }
}

function noop () {}
