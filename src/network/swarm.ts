import type { Duplex } from 'node:stream'
import crypto from 'hypercore-crypto'
import DHT from 'hyperdht'
import Hypercore from 'hypercore'
import Hyperswarm from 'hyperswarm'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import type { Store } from '../storage.js'
import { toHex } from '../keys.js'
import { closed, usage } from '../errors.js'
import { BootstrapNode } from './local.js'
import { BootstrapHealth } from './health.js'
import { PeerBudget } from './peer-budget.js'
import { type NetworkOptions, resolveNodes } from './options.js'
import { WsListener, WsPeer, type WsConnection, type WsPeerOptions, checkWsUrl } from './ws-peers.js'
import { remoteKeyOf } from '../internals.js'
import { Gossip, MAX_ATTEMPTS, checkGossipUrl } from './gossip.js'
import { type LanInterface, type LanPeer, LanDiscovery, checkLanHost, lanTopic, pickInterface } from './lan.js'

// In --local mode every process re-announces this often, so that after a
// bootstrap takeover the new node learns every feed again within seconds.
const LOCAL_REFRESH_INTERVAL = 5000
const SWARM_KEY_NAME = 'hyperfeed/swarm'
// Leaving the DHT politely (unannouncing) needs the DHT; when it is gone, stop
// waiting after this long instead of hanging on timeouts.
const LEAVE_TIMEOUT = 2000
// while a joined topic has no peer, it is looked up again after these delays (ms)
const RETRY_DISCOVERY = [1000, 2000, 4000, 8000, 15_000, 30_000, 60_000, 120_000]

// Something replicated over every connection: a feed's store, or a room.
export interface Replicable {
  readonly key: Buffer
  readonly discoveryKey: Buffer
  // a feed's core (a room has many, and no `core`)
  readonly core?: Hypercore
  // attaches replication to a swarm connection or a protocol stream
  replicate (stream: Duplex): void
  // while discovery runs, reads that miss data wait for peers (Hypercore's findingPeers)
  findingPeers? (): () => void
}

export interface PeerSummary {
  type: 'swarm' | 'ws'
  // the peer's swarm key (hex) or WebSocket address
  remote: string
  // its replication Noise key, as Hypercore's peers know it (null before the handshake)
  publicKey: string | null
}

// Finds and keeps connections for the feeds and rooms it has joined: Hyperswarm
// over a DHT, direct WebSocket peers, and (--lan) WebSocket peers found by
// multicast DNS. Every connection replicates all of them.
export class Network extends ReadyResource {
  readonly store: Store
  readonly options: NetworkOptions
  swarm: Hyperswarm | null = null
  bootstrapNode: BootstrapNode | null = null
  health: BootstrapHealth | null = null
  budget: PeerBudget | null = null
  private wsListener: WsListener | null = null
  // the address the WebSocket listener binds (undefined: every address)
  private wsListenHost: string | undefined
  private lan: LanDiscovery | null = null
  private readonly wsPeers: WsPeer[] = []
  // address exchange with direct WebSocket peers (null: --no-gossip)
  readonly gossip: Gossip | null
  private readonly joined = new Map<string, Replicable>()
  // every live connection or protocol stream, to replicate later joins on
  private readonly streams = new Set<Duplex>()
  private refreshTimer: NodeJS.Timeout | null = null
  private readonly retries = new Set<NodeJS.Timeout>()

  constructor (store: Store, options: NetworkOptions = {}) {
    super()
    this.store = store
    this.options = options
    this.gossip = options.gossip === false ? null : new Gossip({ listen: () => ({ port: this.wsPort ?? 0, host: advertisedHost(this.wsListenHost) }) })
    this.gossip?.on('dial', (url: string, { probe }: { probe: boolean }) => this.dialLearned(url, probe))
  }

  protected override async _open (): Promise<void> {
    try {
      await this.start()
    } catch (err) {
      // ready-resource does not run _close after a failed open
      await this.stop()
      throw err
    }
  }

  private async start (): Promise<void> {
    const { swarm = true, bootstrap = null, host, localBootstrap = null, firewalled = bootstrap === null, wsPort = null, wsHost, peers = [], lan = null } = this.options
    if (!swarm && wsPort === null && peers.length === 0 && lan === null) {
      throw usage('--no-swarm leaves nothing to connect to: add --peer ws://HOST:PORT or --ws-port PORT')
    }
    const lanIface = lan !== null ? pickInterface(lan.interface) : null
    if (lanIface !== null) checkLanHost(lanIface, wsHost)

    if (wsPort !== null || lanIface !== null) {
      // --lan alone listens on a free port of the interface it announces
      this.wsListenHost = wsPort !== null ? wsHost : lanIface?.address
      this.wsListener = new WsListener(this.protocolStream, { port: wsPort ?? 0, host: this.wsListenHost })
      this.forward(this.wsListener)
      this.wsListener.on('stream', (conn: WsConnection) => {
        this.gossip?.attach({ stream: conn.stream, url: null, remoteAddress: conn.remoteAddress, probe: false, learned: false, close: conn.close })
      })
      await this.wsListener.listening
    }

    if (lanIface !== null) {
      this.lan = new LanDiscovery({
        iface: lanIface,
        // the gossip id, so that gossip and --lan agree on who dials whom
        id: (this.gossip?.id ?? crypto.randomBytes(16).toString('hex')).slice(0, 32),
        port: this.wsPort!,
        dialing: (url) => this.wsPeers.some(p => p.url === url && !p.stopped)
      })
      this.lan.on('dial', (peer: LanPeer) => this.dialLan(peer.url))
      this.lan.on('found', (peer: LanPeer) => this.emit('lan-found', wsAddress(peer.url)))
      this.lan.on('lost', (peer: LanPeer, reason: string) => this.emit('lan-lost', wsAddress(peer.url), reason))
      this.lan.on('warning', (err: Error) => this.emit('warning', err))
      await this.lan.start()
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
      const nodes = bootstrap !== null ? await resolveNodes(bootstrap) : null
      const dht = new DHT({
        ...(nodes !== null ? { bootstrap: nodes } : {}),
        ...(host !== undefined ? { host } : {}),
        ...(firewalled ? {} : { firewalled: false })
      })
      const keyPair = await this.store.corestore.createKeyPair(SWARM_KEY_NAME)
      this.swarm = new Hyperswarm({ dht, keyPair, ...(this.options.maxPeers !== undefined ? { maxPeers: this.options.maxPeers } : {}) })
      this.swarm.on('connection', (conn) => {
        conn.on('error', (err: Error) => this.emit('connection-error', err))
        const remote = toHex(conn.remotePublicKey)
        this.attach(conn)
        conn.once('close', () => this.emit('disconnection', remote))
        this.emit('connection', remote)
      })
      // only while every joined thing is a single feed: a room's connections
      // carry cores the budget does not know
      this.budget = new PeerBudget(this.swarm, () => {
        const all = [...this.joined.values()]
        return all.every(r => r.core !== undefined) ? all.map(r => r.core!) : []
      })
      this.health = new BootstrapHealth(dht, nodes ?? dht.bootstrapNodes)
      this.health.on('unreachable', () => this.emit('bootstrap-unreachable'))
      this.health.on('reachable', () => this.emit('bootstrap-reachable'))
      this.health.start()
    }

    for (const url of peers) this.startPeer(url)
  }

  // A new encrypted replication stream for a raw transport (a WebSocket),
  // carrying everything joined now and later.
  private readonly protocolStream = (isInitiator: boolean): Duplex => {
    const stream = Hypercore.createProtocolStream(isInitiator)
    this.attach(stream)
    return stream
  }

  private attach (stream: Duplex): void {
    this.streams.add(stream)
    stream.once('close', () => this.streams.delete(stream))
    for (const r of this.joined.values()) r.replicate(stream)
  }

  private forward (source: WsListener | WsPeer): void {
    source.on('connection', (remote: string) => this.emit('connection', remote))
    source.on('disconnection', (remote: string) => this.emit('disconnection', remote))
    source.on('warning', (err: Error) => this.emit('warning', err))
  }

  private startPeer (url: string, opts: WsPeerOptions & { probe?: boolean, learned?: boolean } = {}): WsPeer {
    const peer = new WsPeer(this.protocolStream, url, opts)
    if (!opts.probe) this.forward(peer)
    this.wsPeers.push(peer)
    const drop = () => {
      const i = this.wsPeers.indexOf(peer)
      if (i !== -1) this.wsPeers.splice(i, 1)
      peer.close().catch(safetyCatch)
    }
    peer.on('stream', (stream: Duplex) => {
      this.gossip?.attach({ stream, url: peer.url, remoteAddress: null, probe: opts.probe === true, learned: opts.learned === true, close: drop })
    })
    peer.on('gave-up', () => {
      drop()
      // gossip forgets a learned address that keeps failing; until then, it
      // is dialed again when a peer names it again
      if (opts.learned === true) this.gossip?.failed(peer.url)
    })
    peer.start()
    return peer
  }

  // Connects to an address gossip named: to check who answers there (probe),
  // or to keep a connection to that node.
  private dialLearned (url: string, probe: boolean): void {
    if (this.closing !== null || checkGossipUrl(url) === null) return
    if (this.wsPeers.some(p => p.url === url)) return
    this.startPeer(url, { maxAttempts: MAX_ATTEMPTS, once: true, probe, learned: !probe })
  }

  // A peer --lan found: kept while it connects, given up (and left alone for
  // a while) after MAX_ATTEMPTS failures in a row.
  private dialLan (url: string): void {
    if (this.closing !== null) return
    let connected = false
    const peer = this.startPeer(url, { maxAttempts: MAX_ATTEMPTS, once: true, learned: true })
    peer.once('connection', () => { connected = true })
    peer.once('gave-up', () => { if (!connected) this.lan?.failed(url) })
  }

  get connections (): number {
    return (this.swarm?.connections.size ?? 0) +
      (this.wsListener?.connections ?? 0) +
      this.wsPeers.filter(p => p.connected).length
  }

  // WebSocket peers this network keeps or tries (given, and learned by gossip)
  get wsPeerCount (): number {
    return this.wsPeers.length
  }

  get wsPort (): number | null {
    return this.wsListener?.port ?? null
  }

  get wsHost (): string {
    return this.wsListenHost ?? '0.0.0.0'
  }

  // The interface --lan announces on (null without --lan).
  get lanInterface (): LanInterface | null {
    return this.lan?.iface ?? null
  }

  // Where the peers --lan knows of accept connections.
  get lanPeers (): string[] {
    return [...this.lan?.peers.values() ?? []].map(p => wsAddress(p.url))
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
    return this.startPeer(url).url
  }

  // Replicates `r` over every connection, announces it and looks it up. Until
  // the first round of discovery is done, reads that miss data wait for peers.
  async join (r: Replicable, { server = true, client = true } = {}): Promise<void> {
    await this.ready()
    const id = toHex(r.discoveryKey)
    if (!this.joined.has(id)) {
      this.joined.set(id, r)
      for (const stream of this.streams) r.replicate(stream)
    }
    this.lan?.join(lanTopic(r.key, r.discoveryKey))
    if (this.swarm === null) return
    const done = r.findingPeers?.() ?? noop
    this.swarm.join(r.discoveryKey, { server, client })
    this.swarm.flush().then(done, done)
    this.retryDiscovery(r)
  }

  // Two peers that join a topic at the same moment can each look it up before
  // the other has announced, and Hyperswarm looks again only ten minutes
  // later. While a topic has no peer, look again soon, then less often.
  private retryDiscovery (r: Replicable): void {
    const id = toHex(r.discoveryKey)
    const lonely = () => r.core !== undefined ? r.core.peers.length === 0 : (this.swarm?.connections.size ?? 0) === 0
    const step = (i: number) => {
      const delay = RETRY_DISCOVERY[i]
      if (delay === undefined) return
      const timer = setTimeout(() => {
        this.retries.delete(timer)
        if (this.swarm === null || this.closing !== null || this.joined.get(id) !== r) return
        if (lonely()) this.swarm.status(r.discoveryKey)?.refresh().catch(safetyCatch)
        step(i + 1)
      }, delay)
      timer.unref()
      this.retries.add(timer)
    }
    step(0)
  }

  async leave (r: Replicable): Promise<void> {
    this.joined.delete(toHex(r.discoveryKey))
    this.lan?.leave(lanTopic(r.key, r.discoveryKey))
    if (this.swarm !== null && !this.swarm.destroyed) await this.swarm.leave(r.discoveryKey)
  }

  // Resolves once the current discovery round has connected to what it found.
  async flush (): Promise<void> {
    await this.ready()
    if (this.swarm !== null) await this.swarm.flush()
  }

  private refresh (): void {
    if (this.swarm === null || this.closing !== null) return
    for (const r of this.joined.values()) {
      this.swarm.status(r.discoveryKey)?.refresh().catch(safetyCatch)
    }
  }

  // Shutdown order: LAN discovery (saying goodbye), direct peers, the DHT
  // swarm (leaving topics), then the bootstrap node this process may be
  // running for others.
  protected override _close (): Promise<void> {
    return this.stop()
  }

  private async stop (): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    for (const timer of this.retries) clearTimeout(timer)
    this.health?.stop()
    this.budget?.stop()
    await this.lan?.close()
    await Promise.all(this.wsPeers.map(p => p.close()))
    await this.wsListener?.close()
    if (this.swarm !== null) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise(resolve => { timer = setTimeout(resolve, LEAVE_TIMEOUT) })
      const leaving = this.swarm.destroy().catch(safetyCatch)
      await Promise.race([leaving, timeout])
      clearTimeout(timer)
      await this.swarm.dht.destroy({ force: true })
      await leaving
    }
    await this.bootstrapNode?.close()
  }
}

// The host to tell peers when this node accepts WebSocket peers: the one it is
// bound to, or '' (each peer then uses the address it sees us at).
function advertisedHost (wsHost: string | undefined): string {
  return wsHost === undefined || wsHost === '0.0.0.0' || wsHost === '::' ? '' : wsHost
}

// ws://HOST:PORT, as the user types it (without the URL's trailing slash)
function wsAddress (url: string): string {
  return url.replace(/\/$/, '')
}

function hexOrNull (key: Buffer | null): string | null {
  return key === null ? null : toHex(key)
}

function noop () {}
