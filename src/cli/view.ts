import { arg, command, description, flag, summary } from 'paparam'
import safetyCatch from 'safety-catch'
import { bool, filterFlags, filterOptions, followerFlags, int, networkFlags, networkOptions, seconds, storageFlags } from './args.js'
import { type Context, define, plural } from './command.js'
import { announceNetwork, holdIdentity, mirrorKeys, openNetwork, storageDir, useMirrors } from './common.js'
import { STOP_STORAGE, STOP_WORK } from './shutdown.js'
import { type EntryResult, formatHuman, formatJson } from '../entries.js'
import type { Feed } from '../feed/feed.js'
import type { Follower } from '../feed/follow.js'
import { openFeed } from '../feed/open.js'
import { syncOnce } from '../feed/sync.js'
import { resolveNetworkOptions } from '../network/options.js'
import { toHex } from '../keys.js'
import { encryptedFeed, usage } from '../errors.js'
import { MessagePrinter } from '../messages/printer.js'

const DEFAULT_TIMEOUT = 30
const PROGRESS_INTERVAL = 100
// a live viewer this far behind shows catch-up progress again
const BEHIND = 100

export default define(command('view',
  summary('print a feed by its key, then new entries live'),
  description(`Prints the feed KEY (64 hex characters or z32, or the invite of a private feed)
from entry N, then new entries live. Block entries are checked against the chain
as they arrive: '#H HASH DATA' when valid, '#H HASH INVALID (reason)' when not.
It keeps a copy in its storage, shows it at once even offline, and shares it with
other viewers while it runs.`),
  arg('[key]', 'the feed key (the first line the writer prints), or a private feed\'s invite'),
  flag('--json', 'one line per entry: {"seq":N,"value":ENTRY}; blocks also carry "valid" (and "error"), ignored edits, deletes and reactions "ignored"'),
  flag('--resolved', 'one JSON line per message (chat entry) in its current state: text, edited, deleted, reactions, replyTo; again when it changes'),
  flag('--start <n>', 'first entry to print (default 0)'),
  flag('--once', 'wait for a peer, download up to its length, print, exit 0; with no peer within --timeout: print what is stored, exit 1'),
  flag('--mirror <key>', 'also connect to this mirror directly (a blind peer keeping the feed); repeatable').multiple(),
  flag('--timeout <seconds>', `how long --once waits for a peer (default ${DEFAULT_TIMEOUT})`),
  ...filterFlags(),
  ...storageFlags(),
  ...networkFlags()
), async (p, ctx) => {
  if (p.args.key === undefined) throw usage('view needs the feed KEY (the first line the writer prints)')
  const start = int(p, 'start') ?? 0
  const once = bool(p, 'once')
  const timeout = seconds(p, 'timeout') ?? DEFAULT_TIMEOUT
  const mode = bool(p, 'resolved') ? 'resolved' : bool(p, 'json') ? 'json' : 'human'
  const filter = filterOptions(p)
  const netOpts = resolveNetworkOptions(followerFlags(networkOptions(p)), ctx.env)
  const mirrors = mirrorKeys(p, ctx.env)
  const { stdout, status, shutdown } = ctx

  const root = storageDir(p, ctx)
  const { feed } = await openFeed({ storage: root, key: p.args.key }, { access: 'follow' })
  shutdown.add(STOP_STORAGE, () => feed.close())
  const identity = await holdIdentity(root, ctx)
  const network = openNetwork(feed.store, { ...netOpts, identity }, ctx)
  const current: { follower: Follower | null } = { follower: null }
  const stop = () => { current.follower?.destroy().catch(safetyCatch) }
  shutdown.add(STOP_WORK, stop)
  shutdown.signal.addEventListener('abort', stop)
  stdout.whenClosed().then(stop, safetyCatch)
  const printer = new MessagePrinter({ mode, filter, feedAuthor: toHex(feed.key), human: formatHuman, json: formatJson, load: (seq) => feed.get(seq, { wait: false }) })
  let learn = (_batch: EntryResult[]) => {}
  const print = async (batch: EntryResult[]) => {
    learn(batch)
    status.clearProgress() // a progress line on the terminal never runs into an entry
    await stdout.lines(await printer.push(batch))
  }

  const local = feed.follow({ start, live: false, wait: false, verify: true })
  current.follower = local
  if (feed.readable) for await (const batch of local) await print(batch)
  if (!once) await stdout.lines(await printer.release())
  if (shutdown.signal.aborted || stdout.closed) return 0
  const fm = await useMirrors(feed, network, mirrors, false, root, identity, ctx)
  learn = (batch) => fm.learn(batch)
  await network.join(feed)
  announceNetwork(network, status)

  if (once) {
    const result = await syncOnce(feed, { start: local.position, timeout: timeout * 1000, verify: local.verifyNext, onEntries: print, signal: shutdown.signal })
    if (!result.complete) return 0 // stopped by a signal
    await stdout.lines(await printer.release())
    const { blocks, bytes } = result.downloaded
    const inBlocks = result.blocks === result.length ? '' : ` in ${plural(result.blocks, 'block')}`
    status.info(`hyperfeed: ${plural(result.length, 'entry', 'entries')}${inBlocks}: ${result.blocks - blocks} were stored here already, ${blocks} downloaded (${bytes} bytes)`)
    if (!result.readable) throw encryptedFeed(toHex(feed.key))
    return 0
  }

  if (!feed.readable) return serveUnreadable(feed, ctx, current)
  const progress = trackProgress(feed, ctx)
  network.on('connection', () => progress.peers())
  network.on('disconnection', () => progress.peers())
  feed.update().then(() => progress.synced(), safetyCatch)
  const live = feed.follow({ start: local.position, live: true, verify: local.verifyNext })
  current.follower = live
  progress.follow(live)
  for await (const batch of live) {
    if (!feed.readable) break // its manifest arrived: private, and no invite here
    await print(batch)
    progress.tick()
  }
  progress.done()
  if (!feed.readable && !shutdown.signal.aborted) return serveUnreadable(feed, ctx, current)
  return 0
})

async function serveUnreadable (feed: Feed, { status, shutdown }: Context, current: { follower: Follower | null }): Promise<number> {
  status.info(`hyperfeed: ${encryptedFeed(toHex(feed.key)).message}; serving its bytes until Ctrl-C`)
  const keeper = feed.follow({ start: 0, live: true, verify: false })
  current.follower = keeper
  ;(async () => { for await (const _ of keeper) { /* bytes only */ } })().catch(safetyCatch)
  await shutdown.stopped()
  return 0
}

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
      if (!inSync) status.info(`in sync: ${plural(total, 'entry', 'entries')}, ${plural(feed.peerCount, 'peer')}`)
      inSync = true
      return
    }
    if (inSync && total - have < BEHIND) return
    inSync = false
    const now = Date.now()
    if (!force && now - last < PROGRESS_INTERVAL) return
    last = now
    if (feed.peerCount === 0) status.progress(`waiting for peers (${plural(have, 'entry', 'entries')} shown)`)
    else status.progress(`syncing ${have}/${plural(total, 'entry', 'entries')} from ${plural(feed.peerCount, 'peer')}`)
  }
  if (status.tty) status.info(`looking for peers of ${toHex(feed.key)}...`)
  return {
    follow (f: Follower) { follower = f; render(true) },
    tick () { render(true) },
    peers () { render(true) },
    synced () { synced = true; render(true) },
    done () { status.clearProgress() }
  }
}
