import type { Duplex } from 'node:stream'
import crypto from 'hypercore-crypto'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { toHex } from '../keys.js'
import { remoteKeyOf } from '../internals.js'
import { Gossip, MAX_ATTEMPTS, checkGossipUrl } from './gossip.js'
import { type LanInterface } from './lan-interface.js'
import { type LanPeer, LanDiscovery } from './lan.js'
import { type ProtocolStreamFactory, type WsConnection, type WsPeerOptions, WsListener, WsPeer, checkWsUrl } from './ws-peers.js'
import type { PeerSummary } from './swarm.js'

// The most addresses given by --peer, PEERS or /addPeers kept while none of
// them answers: one more forgets the oldest unreachable one.
export const MAX_UNREACHABLE = 16

// One node named two ways (localhost, 127.0.0.1) is one address.
export function sameNode (url: string): string {
  const u = checkWsUrl(url)
  if (u.hostname === 'localhost' || u.hostname === '[::1]') u.hostname = '127.0.0.1'
  return u.toString()
}

export interface WsMeshOptions {
  // null: only with --lan
  wsPort: number | null
  wsHost?: string | undefined
  peers: string[]
  gossip: boolean
  lan: LanInterface | null
}

// Direct WebSocket peers: the listener, the peers dialed (given, learned by gossip, found
// by --lan) and the address exchange between them.
export class WsMesh extends ReadyResource {
  private readonly protocolStream: ProtocolStreamFactory
  private readonly opts: WsMeshOptions
  private listener: WsListener | null = null
  private listenHost: string | undefined
  private lan: LanDiscovery | null = null
  private readonly dialed: WsPeer[] = []
  gossip: Gossip | null = null

  constructor (protocolStream: ProtocolStreamFactory, opts: WsMeshOptions) {
    super()
    this.protocolStream = protocolStream
    this.opts = opts
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
    const { wsPort, wsHost, peers, lan } = this.opts
    if (this.opts.gossip) {
      const gossip = new Gossip({ listen: () => ({ port: this.wsPort ?? 0, host: advertisedHost(this.listenHost) }) })
      this.gossip = gossip
      gossip.on('dial', (url: string, { probe }: { probe: boolean }) => this.dialLearned(url, probe))
      await gossip.ready()
    }
    if (wsPort !== null || lan !== null) {
      this.listenHost = wsPort !== null ? wsHost : lan?.address
      const listener = new WsListener(this.protocolStream, { port: wsPort ?? 0, host: this.listenHost })
      this.listener = listener
      this.forward(listener)
      listener.on('stream', (conn: WsConnection) => {
        this.gossip?.attach({ stream: conn.stream, url: null, remoteAddress: conn.remoteAddress, probe: false, learned: false, close: conn.close })
      })
      await listener.ready()
    }
    if (lan !== null) {
      const discovery = new LanDiscovery({
        iface: lan,
        // gossip and --lan must agree on who dials whom
        id: (this.gossip?.id ?? crypto.randomBytes(16).toString('hex')).slice(0, 32),
        port: this.wsPort!,
        dialing: (url) => this.dialed.some(p => p.url === url && !p.stopped)
      })
      this.lan = discovery
      discovery.on('dial', (peer: LanPeer) => this.dialLan(peer.url))
      discovery.on('found', (peer: LanPeer) => this.emit('lan-found', wsAddress(peer.url)))
      discovery.on('lost', (peer: LanPeer, reason: string) => this.emit('lan-lost', wsAddress(peer.url), reason))
      discovery.on('warning', (err: Error) => this.emit('warning', err))
      await discovery.ready()
    }
    for (const url of peers) this.addPeer(url)
  }

  private forward (source: WsListener | WsPeer): void {
    source.on('connection', (remote: string) => this.emit('connection', remote))
    source.on('disconnection', (remote: string) => this.emit('disconnection', remote))
    source.on('warning', (err: Error) => this.emit('warning', err))
  }

  private startPeer (url: string, opts: WsPeerOptions & { probe?: boolean, learned?: boolean } = {}): WsPeer {
    const peer = new WsPeer(this.protocolStream, url, opts)
    if (!opts.probe) this.forward(peer)
    this.dialed.push(peer)
    const drop = () => this.forget(peer)
    peer.on('stream', (stream: Duplex) => {
      this.gossip?.attach({ stream, url: peer.url, remoteAddress: null, probe: opts.probe === true, learned: opts.learned === true, close: drop })
    })
    peer.on('gave-up', () => {
      drop()
      // a learned address that keeps failing is forgotten
      if (opts.learned === true) this.gossip?.failed(peer.url)
    })
    peer.ready().catch(safetyCatch)
    return peer
  }

  private dialLearned (url: string, probe: boolean): void {
    if (this.closing !== null || checkGossipUrl(url) === null) return
    if (this.dialed.some(p => sameNode(p.url) === sameNode(url))) return
    this.startPeer(url, { maxAttempts: MAX_ATTEMPTS, once: true, probe, learned: !probe })
  }

  private dialLan (url: string): void {
    if (this.closing !== null) return
    let connected = false
    const peer = this.startPeer(url, { maxAttempts: MAX_ATTEMPTS, once: true, learned: true })
    peer.once('connection', () => { connected = true })
    peer.once('gave-up', () => { if (!connected) this.lan?.failed(url) })
  }

  addPeer (url: string): string {
    const node = sameNode(url)
    const existing = this.dialed.find(p => sameNode(p.url) === node)
    if (existing !== undefined) return existing.url
    const unreachable = this.dialed.filter(p => p.given && !p.connected)
    for (const old of unreachable.slice(0, Math.max(0, unreachable.length - MAX_UNREACHABLE + 1))) {
      this.emit('warning', new Error(`forgot ${old.url}: it never answered, and at most ${MAX_UNREACHABLE} unreachable addresses are kept`))
      this.forget(old)
    }
    return this.startPeer(url, { given: true }).url
  }

  private forget (peer: WsPeer): void {
    const i = this.dialed.indexOf(peer)
    if (i !== -1) this.dialed.splice(i, 1)
    peer.close().catch(safetyCatch)
  }

  joinLan (topic: string): void {
    this.lan?.join(topic)
  }

  leaveLan (topic: string): void {
    this.lan?.leave(topic)
  }

  get connections (): number {
    return (this.listener?.connections ?? 0) + this.dialed.filter(p => p.connected).length
  }

  get dialing (): number {
    return this.dialed.length
  }

  get wsPort (): number | null {
    return this.listener?.port ?? null
  }

  get wsHost (): string {
    return this.listenHost ?? '0.0.0.0'
  }

  get lanInterface (): LanInterface | null {
    return this.lan?.iface ?? null
  }

  get lanPeers (): string[] {
    return [...this.lan?.peers.values() ?? []].map(p => wsAddress(p.url))
  }

  peers (): PeerSummary[] {
    const out: PeerSummary[] = []
    for (const conn of this.listener?.active ?? []) out.push({ type: 'ws', remote: conn.remote, publicKey: hexOrNull(remoteKeyOf(conn.stream)) })
    for (const peer of this.dialed) if (peer.connected) out.push({ type: 'ws', remote: peer.url, publicKey: hexOrNull(remoteKeyOf(peer.stream)) })
    return out
  }

  protected override async _close (): Promise<void> {
    await this.lan?.close()
    await Promise.all(this.dialed.map(p => p.close()))
    await this.listener?.close()
    await this.gossip?.close()
  }
}

// '': each peer uses the address it sees us at
function advertisedHost (wsHost: string | undefined): string {
  return wsHost === undefined || wsHost === '0.0.0.0' || wsHost === '::' ? '' : wsHost
}

function wsAddress (url: string): string {
  return url.replace(/\/$/, '')
}

function hexOrNull (key: Buffer | null): string | null {
  return key === null ? null : toHex(key)
}
