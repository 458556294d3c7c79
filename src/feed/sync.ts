import { type EntryResult } from '../entries.js'
import { malformedFeed, noPeer, peerLost } from '../errors.js'
import { toHex } from '../keys.js'
import type { Feed } from './feed.js'
import type { FollowOptions, Follower } from './follow.js'

export interface SyncOptions {
  start?: number
  // also how long to wait for a peer to come back mid-download
  timeout: number
  verify?: FollowOptions['verify']
  onEntries?: (batch: EntryResult[]) => unknown
  signal?: AbortSignal
}

export interface SyncResult {
  length: number
  blocks: number
  position: number
  complete: boolean
  // false for a private feed without its key here: downloaded whole (to serve), not read
  readable: boolean
  downloaded: { blocks: number, bytes: number }
}

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
    // only a writer's malformed packed blocks get here
    throw malformedFeed(toHex(feed.key), position, length)
  }
  return result(length, position, position >= length)
}

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
