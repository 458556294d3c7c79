import { arg, command, description, flag, summary } from 'paparam'
import { followerFlags, int, networkFlags, networkOptions, seconds, storageFlags, str } from './args.js'
import { define, plural } from './command.js'
import { openNetwork, storageDir } from './common.js'
import { STOP_STORAGE } from './shutdown.js'
import { MAX_DIFFICULTY } from '../chain/block.js'
import { verifyChain } from '../feed/verify.js'
import { openFeed } from '../feed/open.js'
import { syncOnce } from '../feed/sync.js'
import { resolveNetworkOptions } from '../network/options.js'
import { EXIT_FAILURE, HyperfeedError, encryptedFeed } from '../errors.js'
import { toHex } from '../keys.js'

const DEFAULT_TIMEOUT = 30

export default define(command('verify',
  summary('check every block of a feed\'s chain'),
  description(`Checks the whole block chain of a feed: every block entry's fields, hash, proof of
work, height and prev, each against the last valid block before it. A feed this
storage follows is brought up to date from a peer first (like view --once); a feed
this storage writes is checked as stored, even while its writer runs.
Exit 0 when every block is valid; 1 with the first bad seq, height and reason.`),
  arg('[key]', 'the feed key, or a private feed\'s invite'),
  flag('--name <name>', 'a feed this storage writes'),
  flag('--min-difficulty <d>', 'also require this much work of every block'),
  flag('--timeout <seconds>', `how long to wait for a peer (default ${DEFAULT_TIMEOUT})`),
  ...storageFlags(),
  ...networkFlags()
), async (p, ctx) => {
  const minDifficulty = int(p, 'min-difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? 0
  const timeout = seconds(p, 'timeout') ?? DEFAULT_TIMEOUT
  const netOpts = resolveNetworkOptions(followerFlags(networkOptions(p)), ctx.env)
  const { stdout, status, shutdown } = ctx

  const { feed, local } = await openFeed({ storage: storageDir(p, ctx), key: p.args.key, name: str(p, 'name') }, { access: 'check', command: 'verify' })
  shutdown.add(STOP_STORAGE, () => feed.close())
  let end = feed.length
  let peerError: HyperfeedError | null = null
  if (!local) {
    const network = openNetwork(feed.store, netOpts, ctx)
    await network.join(feed)
    try {
      // brought up to date (downloaded) here, checked below
      const synced = await syncOnce(feed, { timeout: timeout * 1000, signal: shutdown.signal, verify: false })
      end = synced.length
    } catch (err) {
      if (!(err instanceof HyperfeedError) || err.code !== 'NO_PEER') throw err
      peerError = err
      end = await feed.contiguousEntries()
      status.info(`hyperfeed: ${err.message}; checking the ${plural(end, 'entry', 'entries')} stored here`)
    }
  }

  if (!feed.readable) throw encryptedFeed(toHex(feed.key))
  const report = await verifyChain(feed, { end, minDifficulty, signal: shutdown.signal })
  const secs = report.ms / 1000
  status.info(`checked ${plural(report.blocks, 'block')} in ${plural(end, 'entry', 'entries')} in ${secs.toFixed(2)} s (${Math.round(report.blocks / Math.max(secs, 1e-6))} blocks/s)`)
  if (!report.complete) {
    status.info('hyperfeed: stopped before the end')
    return EXIT_FAILURE
  }
  if (report.first !== null) {
    const { seq, height, error } = report.first
    await stdout.line(`invalid: seq ${seq}, height ${JSON.stringify(height ?? null)}: ${error} (${report.invalid} invalid of ${plural(report.blocks, 'block')})`)
    return EXIT_FAILURE
  }
  const tip = report.tip
  await stdout.line(tip === null ? `ok: no blocks in ${plural(end, 'entry', 'entries')}` : `ok: ${plural(report.blocks, 'block')}, height ${tip.height}, tip ${tip.hash}`)
  return peerError === null ? 0 : EXIT_FAILURE
})
