import { type EntryResult } from '../entries.js'
import { HyperfeedError, noPeer } from '../errors.js'
import { toHex } from '../keys.js'
import type { Feed } from './feed.js'
import type { FollowOptions, Follower } from './follow.js'

const WATCH_INTERVAL = 250

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
    const found = await untilAborted(feed.findPeer(timeout), signal, false)
    if (signal?.aborted) return result(feed.length, start, false)
    if (!found) throw noPeer(toHex(feed.key), timeout / 1000)
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
  if (watchdog.lost) throw new HyperfeedError('PEER_LOST', `lost every peer of ${toHex(feed.key)} for ${timeout / 1000}s before the download finished (${position}/${length})`)
  if (position < length && signal?.aborted !== true) {
    // only a writer's malformed packed blocks get here: its last block numbers more entries than its blocks hold
    throw new HyperfeedError('MALFORMED_FEED', `feed ${toHex(feed.key)} ends at entry ${position}, but its last block says it holds ${length}: its writer's packed blocks are malformed`)
  }
  return result(length, position, position >= length)
}

// Fires `onLost` once no peer has been connected for `timeout` ms.
function peerWatchdog (feed: Feed, timeout: number, onLost: () => void) {
  let since = Date.now()
  const state = {
    lost: false,
    stop: () => clearInterval(timer)
  }
  const timer = setInterval(() => {
    if (feed.peerCount > 0) since = Date.now()
    else if (Date.now() - since > timeout) {
      state.lost = true
      clearInterval(timer)
      onLost()
    }
  }, WATCH_INTERVAL)
  return state
}

function untilAborted<T> (promise: Promise<T>, signal: AbortSignal | undefined, fallback: T): Promise<T> {
  if (signal === undefined) return promise
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(fallback)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function noop () {}
