import type { Duplex } from 'node:stream'
import Hypercore from 'hypercore'
import type Hyperswarm from 'hyperswarm'
import ReadyResource from 'ready-resource'
import type { Store } from '../storage.js'
import { toHex } from '../keys.js'
import { closed, usage } from '../errors.js'
import type { BootstrapNode } from './local.js'
import { DhtSwarm } from './dht.js'
import type { Gossip } from './gossip.js'
import { type LanInterface, checkLanHost, pickInterface } from './lan-interface.js'
import { lanTopic } from './lan.js'
import type { NetworkOptions } from './options.js'
import { WsMesh } from './ws-mesh.js'

const SWARM_KEY_NAME = 'hyperfeed/swarm'

export interface Replicable {
  readonly key: Buffer
  readonly discoveryKey: Buffer
  // a room has many cores, and no `core`
  readonly core?: Hypercore
  replicate (stream: Duplex): void
  findingPeers? (): () => void
}

export interface PeerSummary {
  type: 'swarm' | 'ws'
  remote: string
  // Hypercore's name for the peer (null before the handshake)
  publicKey: string | null
}

// Every connection, over the DHT (DhtSwarm) or direct (WsMesh), replicates everything joined.
export class Network extends ReadyResource {
  readonly store: Store
  readonly options: NetworkOptions
  private dht: DhtSwarm | null = null
  // always there: peers may be added later
  private mesh: WsMesh | null = null
  private readonly joined = new Map<string, Replicable>()
  // to replicate later joins on
  private readonly streams = new Set<Duplex>()

  constructor (store: Store, options: NetworkOptions = {}) {
    super()
    this.store = store
    this.options = options
  }

  protected override async _open (): Promise<void> {
    try {
      await this.start()
    } catch (err) {
      await this._close() // ready-resource closes only what opened
      throw err
    }
  }

  private async start (): Promise<void> {
    const { swarm = true, bootstrap = null, host, localBootstrap = null, firewalled, maxPeers, wsPort = null, wsHost, peers = [], lan = null, gossip = true, identity = null } = this.options
    if (!swarm && wsPort === null && peers.length === 0 && lan === null) {
      throw usage('--no-swarm leaves nothing to connect to: add --peer ws://HOST:PORT or --ws-port PORT')
    }
    const lanIface = lan !== null ? pickInterface(lan.interface) : null
    if (lanIface !== null) checkLanHost(lanIface, wsHost)

    this.mesh = new WsMesh(this.protocolStream, { wsPort, wsHost, peers, gossip, lan: lanIface })
    this.forward(this.mesh, ['connection', 'disconnection', 'warning', 'lan-found', 'lan-lost'])
    await this.mesh.ready()
    if (swarm) {
      const keyPair = await this.store.corestore.createKeyPair(SWARM_KEY_NAME)
      this.dht = new DhtSwarm({ bootstrap, host, localBootstrap, firewalled, maxPeers, keyPair, identity, joined: () => [...this.joined.values()] })
      this.dht.on('stream', (conn: Duplex) => this.attach(conn))
      this.forward(this.dht, ['connection', 'disconnection', 'connection-error', 'warning', 'takeover', 'bootstrap-unreachable', 'bootstrap-reachable'])
      await this.dht.ready()
    }
  }

  private forward (source: ReadyResource, events: string[]): void {
    for (const event of events) source.on(event, (...args: unknown[]) => this.emit(event, ...args))
  }

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

  get swarm (): Hyperswarm | null {
    return this.dht?.swarm ?? null
  }

  get bootstrapNode (): BootstrapNode | null {
    return this.dht?.bootstrapNode ?? null
  }

  get gossip (): Gossip | null {
    return this.mesh?.gossip ?? null
  }

  get connections (): number {
    return (this.dht?.connections ?? 0) + (this.mesh?.connections ?? 0)
  }

  get wsPeerCount (): number {
    return this.mesh?.dialing ?? 0
  }

  get wsPort (): number | null {
    return this.mesh?.wsPort ?? null
  }

  get wsHost (): string {
    return this.mesh?.wsHost ?? '0.0.0.0'
  }

  get lanInterface (): LanInterface | null {
    return this.mesh?.lanInterface ?? null
  }

  get lanPeers (): string[] {
    return this.mesh?.lanPeers ?? []
  }

  peers (): PeerSummary[] {
    return [...this.dht?.peers() ?? [], ...this.mesh?.peers() ?? []]
  }

  async addPeer (url: string): Promise<string> {
    await this.ready()
    if (this.closing !== null || this.mesh === null) throw closed()
    return this.mesh.addPeer(url)
  }

  async join (r: Replicable, { server = true, client = true } = {}): Promise<void> {
    await this.ready()
    const id = toHex(r.discoveryKey)
    if (!this.joined.has(id)) {
      this.joined.set(id, r)
      for (const stream of this.streams) r.replicate(stream)
    }
    this.mesh?.joinLan(lanTopic(r.key, r.discoveryKey))
    this.dht?.join(r, { server, client })
  }

  // Connects to one peer by its public key (a mirror) and keeps reconnecting.
  async joinPeer (key: Buffer): Promise<void> {
    await this.ready()
    this.dht?.joinPeer(key)
  }

  leavePeer (key: Buffer): void {
    this.dht?.leavePeer(key)
  }

  async leave (r: Replicable): Promise<void> {
    this.joined.delete(toHex(r.discoveryKey))
    this.mesh?.leaveLan(lanTopic(r.key, r.discoveryKey))
    await this.dht?.leave(r)
  }

  async flush (): Promise<void> {
    await this.ready()
    await this.dht?.flush()
  }

  protected override async _close (): Promise<void> {
    await this.mesh?.close()
    await this.dht?.close()
  }
}
