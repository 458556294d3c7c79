import { NETWORK_OPTIONS, STORAGE_OPTIONS, bool, int, networkFlags, parse, str } from './args.js'
import { DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../blocks.js'
import { Miner, mineNext, parseBlockData } from '../mine.js'
import { announceNetwork, defaultNick, followFlags, helpRequested, selfCommand, storageDir } from './common.js'
import { LineBuffer, untilSignal } from './io.js'
import type { Context } from './main.js'
import { Feed } from '../feed.js'
import { LineInput } from '../line-input.js'
import { Network, resolveNetworkOptions } from '../network/swarm.js'
import { toHex, toZ32 } from '../keys.js'
import { checkFeedName } from '../storage.js'

const HELP = `usage: hyperfeed write [--name NAME] [--nick NICK] [--json] [--ack] [options]

Creates or reopens the feed NAME (default "default"), prints its key as the first
line of stdout, and appends each line of stdin: as a chat entry from NICK, or with
--json as an entry object. Lines starting with / are commands (// sends a literal /):
/block DATA_JSON mines the next block (on a worker thread) and appends it.
After stdin ends it keeps serving peers until Ctrl-C (SIGINT) or SIGTERM.

  --name NAME          feed name in this storage (default: default)
  --nick NICK          chat nick (default: your user name)
  --json               each line is a JSON entry object with a string "type"
  --ack                print "ok SEQ" on stdout once a line is on disk ("err REASON" if refused)
  --difficulty D       proof of work for /block (default ${DEFAULT_DIFFICULTY})
  --encrypt            create NAME as a private feed: entries are encrypted, and
                       reading them takes the invite printed on stderr
  --storage DIR        storage directory (env HYPERFEED_STORAGE)
  --local              use the shared bootstrap node on 127.0.0.1 (start it if needed)
  --bootstrap H:P,...  DHT bootstrap nodes (env HYPERFEED_BOOTSTRAP)
  --host ADDR          address the DHT node binds
  --ws-port PORT       accept direct WebSocket replication peers on PORT
  --ws-host ADDR       address the WebSocket port binds (default 0.0.0.0)
  --peer ws://H:P      replicate with a WebSocket peer (repeatable)
  --no-swarm           no DHT at all: WebSocket peers only
  --max-peers N        most swarm connections at once (default 64)`

export default async function write (argv: string[], ctx: Context): Promise<number> {
  const p = parse('write', argv, {
    ...STORAGE_OPTIONS,
    ...NETWORK_OPTIONS,
    name: { type: 'string' },
    nick: { type: 'string' },
    json: { type: 'boolean' },
    ack: { type: 'boolean' },
    difficulty: { type: 'string' },
    encrypt: { type: 'boolean' }
  })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const name = checkFeedName(str(p, 'name') ?? 'default')
  const nick = str(p, 'nick') ?? defaultNick()
  const ack = bool(p, 'ack')
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_DIFFICULTY
  const netOpts = resolveNetworkOptions(networkFlags(p), ctx.env)
  const { status, stdout } = ctx

  const signal = untilSignal()
  const feed = await Feed.openWriterIn({ storage: storageDir(p, ctx) }, name, { encrypt: bool(p, 'encrypt') })
  const network = new Network(feed.store, netOpts)
  const miner = new Miner()
  try {
    await stdout.line(toHex(feed.key))
    await network.join(feed, { server: true, client: true })
    status.info(`hyperfeed: writing feed "${name}" (${feed.length} entries) in ${feed.store.dir}`)
    status.info(`key (z32): ${toZ32(feed.key)}`)
    const invite = feed.invite
    if (invite !== null) status.info(`private feed: entries are encrypted; share this invite, not just the key: ${invite}`)
    status.info(`follow it with: ${selfCommand(ctx.env)} view ${invite ?? toHex(feed.key)}${followFlags(netOpts, network.wsPort)}`)
    announceNetwork(network, status)
    if (status.tty) {
      network.on('connection', () => status.info(`peer connected (${network.connections} online)`))
      network.on('disconnection', () => status.info(`peer left (${network.connections} online)`))
    }

    // acknowledgements of one batch go out in one write, in input order
    const acks = new LineBuffer(stdout)
    const input = new LineInput(feed, {
      nick,
      json: bool(p, 'json'),
      commands: {
        block: async (args) => {
          const data = parseBlockData(args)
          status.info(`mining block #${((await feed.chainTip())?.height ?? -1) + 1} at difficulty ${difficulty}...`)
          const mined = await mineNext(feed, data, { difficulty, miner })
          status.info(`mined block #${mined.block.height} ${mined.block.hash.slice(0, 12)} in ${(mined.ms / 1000).toFixed(2)} s (${mined.hashes} hashes)`)
          if (ack) acks.push(`ok ${mined.seq}`)
          return []
        }
      },
      onReject: (err) => {
        status.info(`hyperfeed: ${err.message}`)
        if (ack) acks.push(`err ${err.message}`)
      },
      onAppend: ack ? (seq) => { acks.push(`ok ${seq}`) } : undefined
    })

    const reading = (async () => {
      for await (const chunk of process.stdin) {
        if (!input.push(chunk as Buffer)) await input.drained()
      }
      await input.end()
    })()
    reading.catch(() => {})

    const outcome = await Promise.race([
      reading.then(() => 'input-ended' as const),
      signal.promise.then(() => 'signal' as const)
    ])
    if (outcome === 'input-ended') {
      status.info(`input ended; still serving ${feed.length} entries to peers until Ctrl-C`)
      await signal.promise
    } else {
      process.stdin.destroy()
      await miner.close() // a block being mined is abandoned, not half-appended
      // complete lines already read still go to disk before we stop
      await input.idle()
    }
    return 0
  } finally {
    signal.dispose()
    await miner.close()
    await network.close()
    await feed.close()
  }
}
