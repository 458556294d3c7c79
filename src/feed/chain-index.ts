import ReadyResource from 'ready-resource'
import { type EntryResult, isUnreadable } from '../entries.js'
import type { Feed } from './feed.js'
import type { Follower } from './follow.js'
import safetyCatch from 'safety-catch'
import { until } from '../wait.js'

// Every block's validity, checked once as the feed is followed, so the API and live clients
// need not re-read from the start. For a followed feed it also keeps the whole feed downloading.
export class ChainIndex extends ReadyResource {
  private readonly feed: Feed
  private follower: Follower | null = null
  private readonly blockSeqs: number[] = []
  private readonly invalid = new Map<number, string>()
  private running: Promise<void> = Promise.resolve()

  constructor (feed: Feed) {
    super()
    this.setMaxListeners(0)
    this.feed = feed
  }

  protected override async _open (): Promise<void> {
    const follower = this.feed.follow({ start: 0, live: true, verify: true })
    try {
      await follower.ready()
    } catch (err) {
      await follower.close()
      throw err
    }
    this.follower = follower
    this.running = this.run(follower)
    this.running.catch(err => this.emit('error', err))
  }

  private async run (follower: Follower): Promise<void> {
    for await (const batch of follower) {
      for (const r of batch) {
        if (isUnreadable(r) || r.valid === undefined) continue
        this.blockSeqs.push(r.seq)
        if (!r.valid) this.invalid.set(r.seq, r.error!)
      }
      this.emit('progress', this.position)
    }
  }

  get position (): number {
    return this.follower?.position ?? 0
  }

  get blocks (): number {
    return this.blockSeqs.length
  }

  get tip () {
    return this.follower?.chain?.tip ?? null
  }

  reached (seq: number, timeout: number): Promise<boolean> {
    return until(() => this.position >= seq, [{ emitter: this, event: 'progress' }], { timeout })
  }

  annotate (r: EntryResult): EntryResult {
    if (isUnreadable(r) || r.value.type !== 'block' || r.seq >= this.position) return r
    const error = this.invalid.get(r.seq)
    if (error !== undefined) return { ...r, valid: false, error }
    return this.isBlock(r.seq) ? { ...r, valid: true } : r
  }

  private isBlock (seq: number): boolean {
    let lo = 0
    let hi = this.blockSeqs.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const v = this.blockSeqs[mid]!
      if (v === seq) return true
      if (v < seq) lo = mid + 1
      else hi = mid - 1
    }
    return false
  }

  blocksIn (start: number, end: number, limit: number): number[] {
    let lo = 0
    let hi = this.blockSeqs.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.blockSeqs[mid]! < start) lo = mid + 1
      else hi = mid
    }
    const out: number[] = []
    for (let i = lo; i < this.blockSeqs.length && out.length < limit; i++) {
      const seq = this.blockSeqs[i]!
      if (seq >= end) break
      out.push(seq)
    }
    return out
  }

  protected override async _close (): Promise<void> {
    await this.follower?.close()
    await this.running.catch(safetyCatch) // reported as 'error' when it happened
  }
}
