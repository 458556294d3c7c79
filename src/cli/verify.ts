import { NETWORK_OPTIONS, STORAGE_OPTIONS, int, networkFlags, parse, seconds, str } from './args.js'
import { helpRequested, storageDir } from './common.js'
import { untilSignal } from './io.js'
import type { Context } from './main.js'
import { MAX_DIFFICULTY } from '../blocks.js'
import { isUnreadable } from '../entries.js'
import { Feed } from '../feed.js'
import { Network, resolveNetworkOptions } from '../network/swarm.js'
import { parseFeedRef, toHex } from '../keys.js'
import { EXIT_FAILURE, encryptedFeed, feedNotFound, noPeer, usage } from '../errors.js'
import { StorageRoot, checkFeedName } from '../storage.js'

const DEFAULT_TIMEOUT = 30

const HELP = `usage: hyperfeed verify (KEY | --name NAME) [--min-difficulty D] [--timeout SECONDS] [options]

Checks the whole block chain of a feed: every block entry's fields, hash, proof of
work, height and prev, each against the last valid block before it. A feed this
storage follows is brought up to date from a peer first (like view --once).
Exit 0 when every block is valid; 1 with the first bad seq, height and reason.

  --min-difficulty D   also require this much work of every block
  --timeout SECONDS    how long to wait for a peer (default ${DEFAULT_TIMEOUT})
  --storage DIR        storage directory (env HYPERFEED_STORAGE)
  network options as for view: --local, --bootstrap, --host, --peer, --ws-port, --no-swarm, --max-peers`

export default async function verify (argv: string[], ctx: Context): Promise<number> {
  const p = parse('verify', argv, { ...STORAGE_OPTIONS, ...NETWORK_OPTIONS, name: { type: 'string' }, 'min-difficulty': { type: 'string' }, timeout: { type: 'string' } }, { maxPositionals: 1 })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const keyArg = p.positionals[0]
  const nameArg = str(p, 'name')
  if ((keyArg === undefined) === (nameArg === undefined)) throw usage('verify needs either a feed KEY or --name NAME')
  const minDifficulty = int(p, 'min-difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? 0
  const timeout = seconds(p, 'timeout') ?? DEFAULT_TIMEOUT
  const netOpts = resolveNetworkOptions(networkFlags(p), ctx.env)
  const dir = storageDir(p, ctx)
  const { stdout, status } = ctx

  // The feed, from where this storage keeps it. A feed this storage writes is
  // checked as stored (read-only, so a running writer does not stand in the way).
  const root = await StorageRoot.open(dir)
  let feed: Feed
  let local = true
  if (nameArg !== undefined) {
    const name = checkFeedName(nameArg)
    const key = await root.writerKey(name)
    if (key === null) throw feedNotFound(`no feed named ${JSON.stringify(name)} in ${root.dir}`)
    feed = await Feed.openAt(root.writerDir(name), key, { readOnly: true })
  } else {
    const { key, encryptionKey } = parseFeedRef(keyArg!)
    const found = await root.locate(key)
    if (found?.writerName) {
      feed = await Feed.openAt(found.dir, key, { readOnly: true })
    } else {
      feed = await Feed.openIn({ storage: dir }, key, { encryptionKey })
      local = false
    }
  }

  const signal = untilSignal()
  const network = local ? null : new Network(feed.store, netOpts)
  try {
    let end = feed.length
    let peerError = null
    if (network !== null) {
      await network.join(feed, { server: true, client: true })
      const found = await Promise.race([feed.findPeer(timeout * 1000), signal.promise.then(() => false)])
      if (found) end = await feed.update()
      else peerError = noPeer(toHex(feed.key), timeout)
      if (!found) status.info(`hyperfeed: ${peerError!.message}; checking the ${feed.contiguousLength} entries stored here`)
      if (!found) end = feed.contiguousLength
    }

    if (!feed.readable) throw encryptedFeed(toHex(feed.key))
    const started = performance.now()
    let blocks = 0
    let first: { seq: number, height: unknown, error: string } | null = null
    const follower = feed.follow({ start: 0, end, live: false, verify: { minDifficulty } })
    const stop = () => { follower.destroy().catch(() => {}) }
    signal.promise.then(stop, stop)
    for await (const batch of follower) {
      for (const r of batch) {
        if (isUnreadable(r) || r.valid === undefined) continue
        blocks++
        if (!r.valid && first === null) first = { seq: r.seq, height: r.value.height, error: r.error! }
      }
    }
    const secs = (performance.now() - started) / 1000
    const chain = follower.chain!
    status.info(`checked ${blocks} blocks in ${end} entries in ${secs.toFixed(2)} s (${Math.round(blocks / Math.max(secs, 1e-6))} blocks/s)`)
    if (follower.position < end) {
      status.info('hyperfeed: stopped before the end')
      return EXIT_FAILURE
    }
    if (first !== null) {
      await stdout.line(`invalid: seq ${first.seq}, height ${JSON.stringify(first.height ?? null)}: ${first.error} (${chain.invalid} invalid of ${blocks} blocks)`)
      return EXIT_FAILURE
    }
    const tip = chain.tip
    await stdout.line(tip === null ? `ok: no blocks in ${end} entries` : `ok: ${blocks} blocks, height ${tip.height}, tip ${tip.hash}`)
    return peerError === null ? 0 : EXIT_FAILURE
  } finally {
    signal.dispose()
    await network?.close()
    await feed.close()
  }
}
