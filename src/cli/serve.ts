import { NETWORK_OPTIONS, STORAGE_OPTIONS, int, networkFlags, parse, str } from './args.js'
import { announceNetwork, helpRequested, storageDir } from './common.js'
import { untilSignal } from './io.js'
import type { Context } from './main.js'
import { DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../blocks.js'
import { Feed } from '../feed.js'
import { Network, resolveNetworkOptions } from '../network/swarm.js'
import { parseFeedRef, toHex } from '../keys.js'
import { usage } from '../errors.js'
import { checkFeedName } from '../storage.js'
import { DEFAULT_LISTEN, DEFAULT_PORT, Gateway } from '../serve/gateway.js'
import { isIP } from 'node:net'

const HELP = `usage: hyperfeed serve (KEY | --name NAME) [--port ${DEFAULT_PORT}] [--listen ${DEFAULT_LISTEN}] [--token TOKEN] [options]

Serves a feed over HTTP: a JSON API, a /live WebSocket and a web page at /. With
KEY (or a private feed's invite) it follows that feed read-only, like view; with --name it serves this
storage's own writable feed, like write. It replicates while serving.

  --port PORT          HTTP port (default ${DEFAULT_PORT}; 0 picks a free one)
  --listen ADDR        address to listen on (default ${DEFAULT_LISTEN}, this machine only)
  --token TOKEN        require "Authorization: Bearer TOKEN" on every POST; when
                       listening beyond loopback one is generated if not given
  --difficulty D       default proof of work for POST /api/mine (default ${DEFAULT_DIFFICULTY})
  --storage DIR        storage directory (env HYPERFEED_STORAGE)
  network options as for write and view: --local, --bootstrap, --host, --ws-port,
  --ws-host, --peer, --no-swarm, --max-peers`

export default async function serve (argv: string[], ctx: Context): Promise<number> {
  const p = parse('serve', argv, {
    ...STORAGE_OPTIONS,
    ...NETWORK_OPTIONS,
    name: { type: 'string' },
    port: { type: 'string' },
    listen: { type: 'string' },
    token: { type: 'string' },
    difficulty: { type: 'string' }
  }, { maxPositionals: 1 })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const keyArg = p.positionals[0]
  const nameArg = str(p, 'name')
  if ((keyArg === undefined) === (nameArg === undefined)) throw usage('serve needs either a feed KEY (read-only) or --name NAME (this storage\'s own feed)')
  const ref = keyArg === undefined ? null : parseFeedRef(keyArg)
  const name = nameArg === undefined ? null : checkFeedName(nameArg)
  const port = int(p, 'port', { min: 0, max: 65535 }) ?? DEFAULT_PORT
  const host = str(p, 'listen') ?? DEFAULT_LISTEN
  if (isIP(host) === 0) throw usage(`--listen must be an IP address, not ${JSON.stringify(host)}`)
  const token = str(p, 'token') ?? null
  if (token !== null && !/^[\x21-\x7e]{8,}$/.test(token)) throw usage('--token must be at least 8 printable characters without spaces')
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_DIFFICULTY
  const netOpts = resolveNetworkOptions(networkFlags(p), ctx.env)
  const { stdout, status } = ctx

  const signal = untilSignal()
  const dir = storageDir(p, ctx)
  const feed = ref !== null ? await Feed.openIn({ storage: dir }, ref.key, { encryptionKey: ref.encryptionKey }) : await Feed.openWriterIn({ storage: dir }, name!)
  const network = new Network(feed.store, netOpts)
  let gateway: Gateway | null = null
  try {
    await network.join(feed, { server: true, client: true })
    gateway = new Gateway({ feed, network, host, port, token, difficulty })
    await gateway.listen()
    await stdout.line(gateway.url)
    status.info(`hyperfeed: serving ${feed.writable ? 'the writable' : 'the read-only'} feed ${toHex(feed.key)} at ${gateway.url}`)
    const t = gateway.policy.token
    if (t !== null) status.info(`POSTs need "Authorization: Bearer ${t}"; open ${gateway.url}#token=${t} to write from the page`)
    announceNetwork(network, status)
    await signal.promise
    return 0
  } finally {
    signal.dispose()
    await gateway?.close()
    await network.close()
    await feed.close()
  }
}
