import os from 'node:os'
import path from 'node:path'
import { defaultStorageDir } from '../storage.js'
import { type Parsed, str } from './args.js'
import type { Context } from './command.js'
import { Network } from '../network/swarm.js'
import type { NetworkOptions } from '../network/options.js'
import type { Store } from '../storage.js'
import type { Status } from './output.js'
import { STOP_NETWORK, type Shutdown } from './shutdown.js'
import { list } from './args.js'
import type { LineInput } from '../input.js'
import type { JsonServer } from '../serve/http.js'
import { LOCAL_PORT } from '../network/local.js'
import { IdentityHold, type KeyPair } from '../mirror/identity.js'
import { parseMirrorKeys } from '../mirror/keys.js'
import { FeedMirrors } from '../mirror/feed-mirrors.js'
import type { Feed } from '../feed/feed.js'
import { toHex } from '../keys.js'
import { identityInUse } from '../errors.js'
import { STOP_SERVERS, STOP_STORAGE } from './shutdown.js'

export function storageDir (p: Parsed, ctx: Pick<Context, 'env'>): string {
  const dir = str(p, 'storage')
  return dir !== undefined ? path.resolve(dir) : defaultStorageDir(ctx.env)
}

export function defaultNick (): string {
  try {
    return os.userInfo().username || 'anonymous'
  } catch {
    return 'anonymous'
  }
}

// The flags a peer needs to reach this process, for the "follow it with" hint.
export function followFlags (opts: NetworkOptions, wsPort: number | null): string {
  const flags: string[] = []
  if (opts.localBootstrap && opts.localBootstrap.port === LOCAL_PORT) flags.push('--local')
  else if (opts.bootstrap) flags.push('--bootstrap ' + opts.bootstrap.map(n => `${n.host}:${n.port}`).join(','))
  if (opts.lan) flags.push('--lan')
  else if (wsPort !== null) {
    const host = opts.wsHost && opts.wsHost !== '0.0.0.0' ? opts.wsHost : '127.0.0.1'
    flags.push(`--peer ws://${host}:${wsPort}`)
    if (opts.swarm === false) flags.push('--no-swarm')
  }
  return flags.length > 0 ? ' ' + flags.join(' ') : ''
}

// How the user ran us, so printed commands can be pasted as they are.
export function selfCommand (env: NodeJS.ProcessEnv): string {
  return env.npm_command === 'exec' ? 'npx hyperfeed' : 'hyperfeed'
}

export function openNetwork (store: Store, opts: NetworkOptions, { shutdown, warnings }: Pick<Context, 'shutdown' | 'warnings'>): Network {
  const network = new Network(store, opts)
  shutdown.add(STOP_NETWORK, () => network.close())
  warnings.watch(network, 'network')
  return network
}

// Without a bootstrap node that answers, a swarm finds nobody, silently: say so.
export function announceNetwork (network: Network, status: Status): void {
  if (network.wsPort !== null) status.info(`accepting WebSocket peers at ws://${network.wsHost}:${network.wsPort}`)
  const lan = network.lanInterface
  if (lan !== null) status.info(`--lan: looking for peers by multicast DNS on ${lan.name} (${lan.address})`)
  for (const url of network.lanPeers) status.info(`--lan: found a peer at ${url}`)
  network.on('lan-found', (url: string) => status.info(`--lan: found a peer at ${url}`))
  network.on('lan-lost', (url: string, reason: string) => status.info(`--lan: forgot the peer at ${url} (${reason})`))
  if (network.bootstrapNode?.holding) status.info(`running the local bootstrap node at ${network.bootstrapNode.address}`)
  network.on('takeover', (address: string) => status.info(`took over the local bootstrap node at ${address}`))
  const where = network.options.bootstrap === null || network.options.bootstrap === undefined
    ? 'the public DHT (no internet?)'
    : network.options.bootstrap.map(n => `${n.host}:${n.port}`).join(', ')
  // a WebSocket node on the default (public) DHT, as the tutorials' nodes are: the DHT is a bonus there
  const wsNode = (network.options.bootstrap ?? null) === null && (network.wsPort !== null || (network.options.peers ?? []).length > 0)
  if (!wsNode) network.on('bootstrap-unreachable', () => status.info(`hyperfeed: no DHT bootstrap node answers at ${where}, so no peers can be found: on one machine use --local, on a LAN run 'hyperfeed bootstrap --host ADDR' and pass --bootstrap ADDR:PORT, or connect directly with --peer ws://HOST:PORT`))
  if (!wsNode) network.on('bootstrap-reachable', () => status.info(`hyperfeed: a DHT bootstrap node answers again at ${where}`))
}

// true: stdin ended; false: a signal came
export async function readStdin (input: LineInput, shutdown: Shutdown): Promise<boolean> {
  const reading = (async () => {
    for await (const chunk of process.stdin) {
      if (!input.push(chunk as Buffer)) await input.drained()
    }
    await input.end()
    return true
  })()
  return Promise.race([reading, shutdown.stopped().then(() => false)])
}

export async function announceGateway (gateway: JsonServer, what: string, { stdout, status }: Pick<Context, 'stdout' | 'status'>): Promise<void> {
  await stdout.line(gateway.url)
  status.info(`hyperfeed: serving ${what} at ${gateway.url}`)
  const t = gateway.policy.token
  if (t !== null) status.info(`POSTs need "Authorization: Bearer ${t}"; open ${gateway.url}#token=${t} to write from the page`)
}

// --mirror KEY (repeatable), and for a writer HYPERFEED_MIRRORS: checked
// before anything is created.
export function mirrorKeys (p: Parsed, env: NodeJS.ProcessEnv, { fromEnv = false } = {}): Buffer[] {
  return parseMirrorKeys([...list(p, 'mirror'), ...(fromEnv && env.HYPERFEED_MIRRORS ? [env.HYPERFEED_MIRRORS] : [])])
}

// The storage root's identity for this process's DHT node: what mirrors see.
// null (a key of its own) while another process of this storage holds it.
export async function holdIdentity (root: string, { shutdown }: Pick<Context, 'shutdown'>): Promise<KeyPair | null> {
  const hold = await IdentityHold.acquire(root)
  if (hold === null) return null
  shutdown.add(STOP_STORAGE, () => hold.release())
  return hold.keyPair
}

// The feed's mirrors: the writer asks them to keep it, a reader connects to them.
export async function useMirrors (feed: Feed, network: Network, mirrors: Buffer[], write: boolean, root: string, identity: KeyPair | null, { shutdown, status, warnings }: Pick<Context, 'shutdown' | 'status' | 'warnings'>): Promise<FeedMirrors> {
  const fm = new FeedMirrors({ feed, network, mirrors, write })
  shutdown.add(STOP_SERVERS, () => fm.close())
  warnings.watch(fm, 'mirror')
  // a mirror may answer while the client opens
  fm.on('mirror-connected', (hex: string) => status.info(`mirror ${hex} is keeping this feed`))
  fm.on('learned', (hexes: string[]) => status.info(`this feed names mirrors: ${hexes.join(', ')} (remembered; connecting)`))
  await fm.ready()
  if (fm.mirrors.length === 0) return fm
  if (write && identity === null) status.info(`hyperfeed: ${identityInUse(root).message}`)
  status.info(`mirrors: ${fm.mirrors.map(toHex).join(', ')}`)
  return fm
}
