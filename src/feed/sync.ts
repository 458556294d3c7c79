import { type EntryResult } from '../entries.js'
import { malformedFeed, noPeer, peerLost } from '../errors.js'
import { toHex } from '../keys.js'
import type { Feed } from './feed.js'
import type { FollowOptions, Follower } from './follow.js'

export interface SyncOptions {
  // first entry to read (entries before it are not passed on)
  start?: number
  // ms to wait for a peer that has the feed, and for one to come back mid-download
  timeout: number
  verify?: FollowOptions['verify']
  // receives the entries from `start` to the peer's length, in order
  onEntries?: (batch: EntryResult[]) => unknown
  // stops the sync early (the result then has complete: false)
  signal?: AbortSignal
}

export interface SyncResult {
  // the length a peer had when the sync started, in entries and in blocks
  length: number
  blocks: number
  // entries read (passed on, or only downloaded for a feed this copy cannot read)
  position: number
  complete: boolean
  // false for a private feed this copy has no key for: it was downloaded, not read
  readable: boolean
  downloaded: { blocks: number, bytes: number }
}

// Brings a copy of someone's feed up to the length a connected peer has, once:
// waits for a peer (NO_PEER after `timeout`), learns its length, then reads
// from `start` to there, downloading what is missing. A private feed this copy
// cannot read is still downloaded whole, so it can be served to others.
export async function syncOnce (feed: Feed, { start = 0, timeout, verify, onEntries, signal }: SyncOptions): Promise<SyncResult> {
  const result = (length: number, position: number, complete: boolean): SyncResult =>
    ({ length, blocks: feed.blocks, position, complete, readable: feed.readable, downloaded: { ...feed.downloaded } })
  if (signal?.aborted) return result(feed.length, start, false)

  if (!feed.writable) {
    const found = await feed.findPeer(timeout, signal)
    if (signal?.aborted) return result(feed.length, start, false)
    if (!found) throw noPeer(toHex(feed.key), timeout)
  }
  const length = await feed.update()

  let current: Follower | null = null
  const stop = () => { current?.destroy().catch(noop) }
  signal?.addEventListener('abort', stop)
  const watchdog = peerWatchdog(feed, timeout, stop)
  let position = start
  try {
    if (feed.readable) {
      current = feed.follow({ start, end: length, live: false, verify })
      for await (const batch of current) {
        if (!feed.readable) break // the manifest arrived: private, and no key here
        await onEntries?.(batch)
        position = current.position
      }
    }
    if (!feed.readable && !signal?.aborted && !watchdog.lost) {
      current = feed.follow({ start: 0, end: length, live: false, verify: false })
      for await (const _ of current) { /* bytes only */ }
      position = current.position
    }
  } finally {
    watchdog.stop()
    signal?.removeEventListener('abort', stop)
  }
  if (watchdog.lost) throw peerLost(toHex(feed.key), timeout, position, length)
  if (position < length && signal?.aborted !== true) {
    // only a writer's malformed packed blocks get here: its last block numbers more entries than its blocks hold
    throw malformedFeed(toHex(feed.key), position, length)
  }
  return result(length, position, position >= length)
}

// Fires `onLost` once no peer has been connected for `timeout` ms.
function peerWatchdog (feed: Feed, timeout: number, onLost: () => void) {
  let timer: NodeJS.Timeout | null = null
  const arm = () => {
    if (feed.peerCount > 0) {
      if (timer !== null) clearTimeout(timer)
      timer = null
    } else {
      timer ??= setTimeout(lost, timeout)
    }
  }
  const lost = () => {
    state.lost = true
    state.stop()
    onLost()
  }
  const state = {
    lost: false,
    stop: () => {
      if (timer !== null) clearTimeout(timer)
      feed.off('peers', arm)
    }
  }
  feed.on('peers', arm)
  arm()
  return state
}

function noop () {}
