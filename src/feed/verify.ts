import { isUnreadable } from '../entries.js'
import type { Feed } from './feed.js'
import type { ChainTip } from '../chain/block.js'

export interface ChainReport {
  end: number
  complete: boolean
  blocks: number
  invalid: number
  first: { seq: number, height: unknown, error: string } | null
  tip: ChainTip | null
  ms: number
}

export async function verifyChain (feed: Feed, { end = feed.length, minDifficulty = 0, signal }: { end?: number, minDifficulty?: number, signal?: AbortSignal } = {}): Promise<ChainReport> {
  const started = performance.now()
  let blocks = 0
  let first: ChainReport['first'] = null
  const follower = feed.follow({ start: 0, end, live: false, verify: { minDifficulty } })
  const stop = () => { follower.destroy().catch(noop) }
  signal?.addEventListener('abort', stop)
  try {
    for await (const batch of follower) {
      for (const r of batch) {
        if (isUnreadable(r) || r.valid === undefined) continue
        blocks++
        if (!r.valid && first === null) first = { seq: r.seq, height: r.value.height, error: r.error! }
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop)
  }
  const chain = follower.chain!
  return { end, complete: follower.position >= end, blocks, invalid: chain.invalid, first, tip: chain.tip, ms: performance.now() - started }
}

function noop () {}
