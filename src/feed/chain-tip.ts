import type Hypercore from 'hypercore'
import safetyCatch from 'safety-catch'
import { isUnreadable } from '../entries.js'
import { type ChainTip, ChainChecker, isBlockEntry } from '../chain/block.js'
import type { Follower, FollowOptions } from './follow.js'

const CACHE = 'hyperfeed/chain'

interface State {
  length: number
  fork: number
  checker: ChainChecker
}

export interface ChainSource {
  readonly core: Hypercore
  readonly length: number
  follow (opts: FollowOptions): Follower
}

// Every block is checked from the start once; how far is kept in the core's local user data.
export class ChainTipCache {
  private readonly feed: ChainSource
  private state: State | null = null

  constructor (feed: ChainSource) {
    this.feed = feed
  }

  async tip (): Promise<ChainTip | null> {
    const { core } = this.feed
    if (this.state === null || this.state.fork !== core.fork) this.state = await this.load()
    const state = this.state
    while (state.length < this.feed.length) {
      const upto = this.feed.length
      for await (const batch of this.feed.follow({ start: state.length, end: upto, live: false, prefetch: false })) {
        for (const r of batch) if (!isUnreadable(r) && isBlockEntry(r.value)) state.checker.check(r.value)
      }
      state.length = upto
    }
    return state.checker.tip
  }

  appended (seq: number, length: number, tip: ChainTip | null | undefined): void {
    if (this.state === null || this.state.length !== seq) return
    if (tip !== undefined) this.state.checker.tip = tip
    this.state.length = length
  }

  private async load (): Promise<State> {
    const { core } = this.feed
    const fresh = { length: 0, fork: core.fork, checker: new ChainChecker() }
    try {
      const raw = await core.getUserData(CACHE)
      if (raw === null) return fresh
      const c = JSON.parse(raw.toString()) as { length: number, fork: number, tip: ChainTip | null }
      if (c.fork !== core.fork || !Number.isSafeInteger(c.length) || c.length > this.feed.length) return fresh
      return { length: c.length, fork: c.fork, checker: new ChainChecker({ tip: c.tip }) }
    } catch {
      return fresh
    }
  }

  // only a cache: if it cannot be written, the chain is checked again next time
  async save (): Promise<void> {
    if (this.state === null) return
    const { length, fork, checker } = this.state
    await this.feed.core.setUserData(CACHE, JSON.stringify({ length, fork, tip: checker.tip })).catch(safetyCatch)
  }
}
