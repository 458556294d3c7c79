import { EventEmitter } from 'node:events'
import { isIPv4 } from 'node:net'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import type { Feed } from '../feed.js'
import type { Store } from '../storage.js'
import { toHex } from '../keys.js'
import { HyperfeedError, closed, usage } from '../errors.js'
import dns from 'node:dns/promises'
import { BootstrapNode, LOCAL_HOST, LOCAL_PORT } from './local.js'
import { WsListener, WsPeer, checkWsUrl, remoteKeyOf } from './ws-peers.js'

// In --local mode every process re-announces this often, so that after a
// bootstrap takeover the new node learns every feed again within seconds.
const LOCAL_REFRESH_INTERVAL = 5000
const SWARM_KEY_NAME = 'hyperfeed/swarm'
// Leaving the DHT politely (unannouncing) needs the DHT; when it is gone, stop
// waiting after this long instead of hanging on timeouts.
const LEAVE_TIMEOUT = 2000

export interface DhtNode {
  host: string
  port: number
}

export interface NetworkOptions {
  // join the DHT at all (false: direct WebSocket peers only)
  swarm?: boolean
  // DHT bootstrap nodes; null means the public Hyperswarm DHT
  bootstrap?: DhtNode[] | null
  // address the DHT node binds
  host?: string
  // run (or take over) the shared loopback bootstrap node of --local
  localBootstrap?: { host: string, port: number } | null
  // treat this node as reachable (true for loopback and self-bootstrapped LANs)
  firewalled?: boolean
  wsPort?: number | null
  wsHost?: string
  peers?: string[]
  // most swarm connections at once (Hyperswarm's default: 64)
  maxPeers?: number
}

export interface NetworkFlags {
  local?: boolean
  bootstrap?: string
  host?: string
  swarm?: boolean
  wsPort?: number | null
  wsHost?: string
  peers?: string[]
  maxPeers?: number
}

// Flags win over --local, which wins over the environment (HYPERFEED_BOOTSTRAP).
export function resolveNetworkOptions (flags: NetworkFlags, env: NodeJS.ProcessEnv = process.env): NetworkOptions {
  let bootstrap: DhtNode[] | null = null
  let localBootstrap: NetworkOptions['localBootstrap'] = null
  if (flags.bootstrap !== undefined) bootstrap = parseBootstrap(flags.bootstrap)
  else if (flags.local) {
    bootstrap = [{ host: LOCAL_HOST, port: LOCAL_PORT }]
    localBootstrap = { host: LOCAL_HOST, port: LOCAL_PORT }
  } else if (env.HYPERFEED_BOOTSTRAP) bootstrap = parseBootstrap(env.HYPERFEED_BOOTSTRAP)

  let host = flags.host
  if (host === undefined && bootstrap !== null && bootstrap.every(n => isLoopback(n.host))) host = LOCAL_HOST
  if (host !== undefined && !isIPv4(host)) throw usage(`--host must be an IPv4 address, not ${JSON.stringify(host)}`)

  return {
    swarm: flags.swarm !== false,
    bootstrap,
    host,
    localBootstrap,
    // a DHT you bootstrap yourself (loopback or LAN) has no NAT in the way
    firewalled: bootstrap === null,
    wsPort: flags.wsPort ?? null,
    wsHost: flags.wsHost,
    peers: flags.peers ?? [],
    ...(flags.maxPeers !== undefined ? { maxPeers: flags.maxPeers } : {})
  }
}

export function parseBootstrap (list: string): DhtNode[] {
  const nodes = list.split(',').map(s => s.trim()).filter(Boolean).map(parseHostPort)
  if (nodes.length === 0) throw usage('--bootstrap needs at least one HOST:PORT')
  return nodes
}

export function parseHostPort (s: string): DhtNode {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(s)
  const port = m ? Number(m[2]) : 0
  const host = m?.[1] ?? ''
  const hostOk = isIPv4(host) || (/^[a-zA-Z0-9.-]+$/.test(host) && /[a-zA-Z]/.test(host) && !host.startsWith('-'))
  if (!m || port < 1 || port > 65535 || !hostOk) {
    throw usage(`bad bootstrap address ${JSON.stringify(s)}: expected HOST:PORT, e.g. 127.0.0.1:${LOCAL_PORT}`)
  }
  return { host: m[1]!, port }
}

// Host names are resolved once, up front: a name that does not resolve is an
// error the user sees, not a DHT that silently never finds anyone.
async function resolveNodes (nodes: DhtNode[]): Promise<DhtNode[]> {
  return Promise.all(nodes.map(async ({ host, port }) => {
    if (isIPv4(host)) return { host, port }
    try {
      return { host: (await dns.lookup(host, { family: 4 })).address, port }
    } catch {
      throw new HyperfeedError('BAD_BOOTSTRAP', `cannot resolve bootstrap host ${JSON.stringify(host)}`)
    }
  }))
}

function hexOrNull (key: Buffer | null): string | null {
  return key === null ? null : toHex(key)
}

function isLoopback (host: string): boolean {
  return host === 'localhost' || host.startsWith('127.')
}

export interface PeerSummary {
  type: 'swarm' | 'ws'
  // the peer's swarm key (hex) or WebSocket address
  remote: string
  // its replication Noise key, as Hypercore's peers know it (null before the handshake)
  publicKey: string | null
}

// Finds and keeps connections for the feeds of one store: Hyperswarm over a
// DHT, plus direct WebSocket peers. Every connection replicates the whole store.
export class Network extends EventEmitter {
  readonly store: Store
  readonly options: NetworkOptions
  swarm: Hyperswarm | null = null
  bootstrapNode: BootstrapNode | null = null
  private wsListener: WsListener | null = null
  private readonly wsPeers: WsPeer[] = []
  private readonly joined = new Map<string, Feed>()
  private refreshTimer: NodeJS.Timeout | null = null
  private opening: Promise<void> | null = null
  private closing: Promise<void> | null = null

  constructor (store: Store, options: NetworkOptions = {}) {
    super()
    this.store = store
    this.options = options
  }

  ready (): Promise<void> {
    if (this.opening === null) this.opening = this.open()
    return this.opening
  }

  private async open (): Promise<void> {
    const { swarm = true, bootstrap = null, host, localBootstrap = null, firewalled = bootstrap === null, wsPort = null, wsHost, peers = [] } = this.options
    if (!swarm && wsPort === null && peers.length === 0) {
      throw usage('--no-swarm leaves nothing to connect to: add --peer ws://HOST:PORT or --ws-port PORT')
    }
    const corestore = this.store.corestore

    if (wsPort !== null) {
      this.wsListener = new WsListener(corestore, { port: wsPort, host: wsHost })
      this.forward(this.wsListener)
      await this.wsListener.listening
    }

    if (swarm) {
      if (localBootstrap !== null) {
        this.bootstrapNode = new BootstrapNode({ ...localBootstrap, takeover: true })
        this.bootstrapNode.on('takeover', () => {
          this.emit('takeover', this.bootstrapNode?.address)
          this.refresh()
        })
        this.bootstrapNode.on('warning', err => this.emit('warning', err))
        await this.bootstrapNode.start()
        this.refreshTimer = setInterval(() => this.refresh(), LOCAL_REFRESH_INTERVAL)
        this.refreshTimer.unref()
      }
      const dht = new DHT({
        ...(bootstrap !== null ? { bootstrap: await resolveNodes(bootstrap) } : {}),
        ...(host !== undefined ? { host } : {}),
        ...(firewalled ? {} : { firewalled: false })
      })
      const keyPair = await corestore.createKeyPair(SWARM_KEY_NAME)
      this.swarm = new Hyperswarm({ dht, keyPair, ...(this.options.maxPeers !== undefined ? { maxPeers: this.options.maxPeers } : {}) })
      this.swarm.on('connection', (conn) => {
        conn.on('error', (err: Error) => this.emit('connection-error', err))
        const remote = toHex(conn.remotePublicKey)
        conn.once('close', () => this.emit('disconnection', remote))
        corestore.replicate(conn)
        this.emit('connection', remote)
      })
    }

    for (const url of peers) {
      const peer = new WsPeer(corestore, url)
      this.forward(peer)
      this.wsPeers.push(peer)
      peer.start()
    }
  }

  private forward (source: EventEmitter): void {
    source.on('connection', (remote: string) => this.emit('connection', remote))
    source.on('disconnection', (remote: string) => this.emit('disconnection', remote))
    source.on('warning', (err: Error) => this.emit('warning', err))
  }

  get connections (): number {
    return (this.swarm?.connections.size ?? 0) +
      (this.wsListener?.connections ?? 0) +
      this.wsPeers.filter(p => p.connected).length
  }

  get wsPort (): number | null {
    return this.wsListener?.port ?? null
  }

  peers (): PeerSummary[] {
    const out: PeerSummary[] = []
    for (const conn of this.swarm?.connections ?? []) {
      const key = toHex(conn.remotePublicKey)
      out.push({ type: 'swarm', remote: key, publicKey: key })
    }
    for (const conn of this.wsListener?.active ?? []) out.push({ type: 'ws', remote: conn.remote, publicKey: hexOrNull(remoteKeyOf(conn.stream)) })
    for (const peer of this.wsPeers) if (peer.connected) out.push({ type: 'ws', remote: peer.url, publicKey: hexOrNull(remoteKeyOf(peer.stream)) })
    return out
  }

  // Connects one more WebSocket peer (kept, and reconnected, until close).
  async addPeer (url: string): Promise<string> {
    await this.ready()
    if (this.closing !== null) throw closed()
    const existing = this.wsPeers.find(p => p.url === checkWsUrl(url).toString())
    if (existing) return existing.url
    const peer = new WsPeer(this.store.corestore, url)
    this.forward(peer)
    this.wsPeers.push(peer)
    peer.start()
    return peer.url
  }

  // Announces and looks up the feed. Until the first round of discovery is
  // done, reads that miss data wait for peers instead of failing fast.
  async join (feed: Feed, { server = true, client = true } = {}): Promise<void> {
    await this.ready()
    this.joined.set(toHex(feed.discoveryKey), feed)
    if (this.swarm === null) return
    const done = feed.core.findingPeers()
    this.swarm.join(feed.discoveryKey, { server, client })
    this.swarm.flush().then(done, done)
  }

  async leave (feed: Feed): Promise<void> {
    this.joined.delete(toHex(feed.discoveryKey))
    if (this.swarm !== null && !this.swarm.destroyed) await this.swarm.leave(feed.discoveryKey)
  }

  // Resolves once the current discovery round has connected to what it found.
  async flush (): Promise<void> {
    await this.ready()
    if (this.swarm !== null) await this.swarm.flush()
  }

  private refresh (): void {
    if (this.swarm === null || this.closing !== null) return
    for (const feed of this.joined.values()) {
      this.swarm.status(feed.discoveryKey)?.refresh().catch(() => {})
    }
  }

  // Shutdown order: direct peers, the DHT swarm (leaving topics), then the
  // bootstrap node this process may be running for others.
  close (): Promise<void> {
    if (this.closing === null) this.closing = this.closeNow()
    return this.closing
  }

  private async closeNow (): Promise<void> {
    await this.opening?.catch(() => {})
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    await Promise.all(this.wsPeers.map(p => p.close()))
    await this.wsListener?.close()
    if (this.swarm !== null) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise(resolve => { timer = setTimeout(resolve, LEAVE_TIMEOUT) })
      const leaving = this.swarm.destroy().catch(() => {})
      await Promise.race([leaving, timeout])
      clearTimeout(timer)
      await this.swarm.dht.destroy({ force: true })
      await leaving
    }
    await this.bootstrapNode?.close()
  }
}
