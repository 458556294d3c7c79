import { NETWORK_OPTIONS, STORAGE_OPTIONS, bool, int, networkFlags, parse, seconds } from './args.js'
import { announceNetwork, helpRequested, storageDir } from './common.js'
import { untilSignal } from './io.js'
import type { Context } from './main.js'
import { type EntryResult, formatHuman, formatJson } from '../entries.js'
import { Feed } from '../feed.js'
import type { Follower } from '../follow.js'
import { Network, resolveNetworkOptions } from '../network/swarm.js'
import { parseFeedRef, toHex } from '../keys.js'
import { HyperfeedError, encryptedFeed, noPeer, usage } from '../errors.js'

const DEFAULT_TIMEOUT = 30
const PROGRESS_INTERVAL = 100
// a live viewer this far behind shows catch-up progress again
const BEHIND = 100

const HELP = `usage: hyperfeed view KEY [--json] [--start N] [--once] [--timeout SECONDS] [options]

Prints the feed KEY (64 hex characters or z32, or the invite of a private feed)
from entry N, then new entries live.
Block entries are checked against the chain as they arrive: '#H HASH DATA' when
valid, '#H HASH INVALID (reason)' when not.
It keeps a copy in its storage, shows it at once even offline, and shares it with
other viewers while it runs.

  --json               one line per entry: {"seq":N,"value":ENTRY}; blocks also
                       carry "valid":true or "valid":false,"error":".."
  --start N            first entry to print (default 0)
  --once               wait for a peer, download up to its length, print, exit 0;
                       with no peer within --timeout: print what is stored, exit 1
  --timeout SECONDS    how long --once waits for a peer (default ${DEFAULT_TIMEOUT})
  --storage DIR        storage directory (env HYPERFEED_STORAGE)
  --local              use the shared bootstrap node on 127.0.0.1 (start it if needed)
  --bootstrap H:P,...  DHT bootstrap nodes (env HYPERFEED_BOOTSTRAP)
  --host ADDR          address the DHT node binds
  --ws-port PORT       accept direct WebSocket replication peers on PORT
  --ws-host ADDR       address the WebSocket port binds (default 0.0.0.0)
  --peer ws://H:P      replicate with a WebSocket peer (repeatable)
  --no-swarm           no DHT at all: WebSocket peers only
  --max-peers N        most swarm connections at once (default 64)`

export default async function view (argv: string[], ctx: Context): Promise<number> {
  const p = parse('view', argv, {
    ...STORAGE_OPTIONS,
    ...NETWORK_OPTIONS,
    json: { type: 'boolean' },
    start: { type: 'string' },
    once: { type: 'boolean' },
    timeout: { type: 'string' }
  }, { maxPositionals: 1 })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const keyArg = p.positionals[0]
  if (keyArg === undefined) throw usage('view needs the feed KEY (the first line the writer prints)')
  const { key, encryptionKey } = parseFeedRef(keyArg)
  const start = int(p, 'start') ?? 0
  const once = bool(p, 'once')
  const timeout = seconds(p, 'timeout') ?? DEFAULT_TIMEOUT
  const format = bool(p, 'json') ? formatJson : formatHuman
  const netOpts = resolveNetworkOptions(networkFlags(p), ctx.env)
  const { stdout, status } = ctx

  const signal = untilSignal()
  const feed = await Feed.openIn({ storage: storageDir(p, ctx) }, key, { encryptionKey })
  const network = new Network(feed.store, netOpts)
  const current: { follower: Follower | null } = { follower: null }
  let stopped = false
  const stop = () => {
    stopped = true
    current.follower?.destroy().catch(() => {})
  }
  signal.promise.then(stop, stop)
  stdout.whenClosed().then(stop, stop)

  // A private feed without its invite: keep and share its bytes, print nothing.
  let opaque = false
  const print = async (f: Follower, onBatch?: () => void) => {
    current.follower = f
    if (stopped) await f.destroy()
    for await (const batch of f) {
      if (!feed.readable) {
        opaque = true
        break
      }
      await stdout.lines(batch.map((r: EntryResult) => format(r)))
      onBatch?.()
    }
    return f.position
  }

  try {
    // What is stored here comes out first, before any peer is found.
    const local = feed.follow({ start, live: false, wait: false, verify: true })
    let position = await print(local)
    if (stopped) return 0
    await network.join(feed, { server: true, client: true })
    announceNetwork(network, status)

    if (once) {
      const found = await Promise.race([feed.findPeer(timeout * 1000), signal.promise.then(() => false)])
      if (stopped) return 0
      if (!found) throw noPeer(toHex(key), timeout)
      const length = await feed.update()
      const watchdog = lostPeerWatchdog(feed, timeout, stop)
      try {
        if (!opaque) position = await print(feed.follow({ start: position, end: length, live: false, verify: local.verifyNext }))
        // unreadable, it is still fetched whole: this copy can serve it to others
        if (opaque || !feed.readable) await keepBytes(feed, length, current, stop)
      } finally {
        clearInterval(watchdog.timer)
      }
      if (watchdog.lost) throw new HyperfeedError('PEER_LOST', `lost every peer of ${toHex(key)} for ${timeout}s before the download finished (${position}/${length})`)
      const { blocks, bytes } = feed.downloaded
      status.info(`hyperfeed: ${length} entries: ${length - blocks} were stored here already, ${blocks} downloaded (${bytes} bytes)`)
      if (!feed.readable) throw encryptedFeed(toHex(key))
      return 0
    }

    const progress = trackProgress(feed, ctx)
    network.on('connection', () => progress.peers())
    network.on('disconnection', () => progress.peers())
    feed.update().then(() => progress.synced(), () => {})
    if (!opaque) {
      const live = feed.follow({ start: position, live: true, verify: local.verifyNext })
      progress.follow(live)
      await print(live, () => progress.tick())
    }
    progress.done()
    if (opaque && !stopped) {
      status.info(`hyperfeed: ${encryptedFeed(toHex(key)).message}; serving its bytes until Ctrl-C`)
      await keepBytes(feed, -1, current, stop)
      await signal.promise
    }
    return 0
  } finally {
    signal.dispose()
    await current.follower?.destroy()
    status.clearProgress()
    await network.close()
    await feed.close()
  }
}

// Downloads a feed this copy cannot read, so it can still re-share it.
async function keepBytes (feed: Feed, end: number, current: { follower: Follower | null }, stop: () => void): Promise<void> {
  const keeper = feed.follow({ start: 0, end: end === -1 ? undefined : end, live: end === -1, verify: false })
  current.follower = keeper
  if (end === -1) {
    // live: drain in the background until stopped
    ;(async () => { for await (const _ of keeper) { /* bytes only */ } })().catch(stop)
    return
  }
  for await (const _ of keeper) { /* bytes only */ }
}

function lostPeerWatchdog (feed: Feed, timeout: number, onLost: () => void) {
  let since = Date.now()
  const state = { lost: false, timer: setInterval(() => {
    if (feed.peerCount > 0) since = Date.now()
    else if (Date.now() - since > timeout * 1000) {
      state.lost = true
      onLost()
    }
  }, 250) }
  return state
}

// On a terminal: have/total while catching up, and a line once in sync.
function trackProgress (feed: Feed, { status }: Context) {
  let follower: Follower | null = null
  let synced = false
  let inSync = false
  let last = 0
  const render = (force = false) => {
    if (!status.tty || follower === null) return
    const have = follower.position
    const total = feed.length
    if (synced && have >= total) {
      if (!inSync) status.info(`in sync: ${total} entries, ${feed.peerCount} peer(s)`)
      inSync = true
      return
    }
    if (inSync && total - have < BEHIND) return
    inSync = false
    const now = Date.now()
    if (!force && now - last < PROGRESS_INTERVAL) return
    last = now
    if (feed.peerCount === 0) status.progress(`waiting for peers (${have} entries shown)`)
    else status.progress(`syncing ${have}/${total} entries from ${feed.peerCount} peer(s)`)
  }
  if (status.tty) status.info(`looking for peers of ${toHex(feed.key)}...`)
  return {
    follow (f: Follower) { follower = f; render(true) },
    tick () { render() },
    peers () { render(true) },
    synced () { synced = true; render(true) },
    done () { status.clearProgress() }
  }
}
