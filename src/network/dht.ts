import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { toHex } from '../keys.js'
import { BootstrapNode } from './local.js'
import { BootstrapHealth } from './health.js'
import { PeerBudget } from './peer-budget.js'
import { type DhtNode, firewalledOn, resolveNodes } from './options.js'
import type { PeerSummary, Replicable } from './swarm.js'

// --local: after a bootstrap takeover the new node learns every feed again within seconds
const LOCAL_REFRESH_INTERVAL = 5000
// unannouncing needs the DHT: when it is gone, stop waiting
const LEAVE_TIMEOUT = 2000
// Hyperswarm looks a topic up again only after ten minutes
const RETRY_DISCOVERY = [1000, 2000, 4000, 8000, 15_000, 30_000, 60_000, 120_000]

export interface DhtSwarmOptions {
  bootstrap: DhtNode[] | null
  host?: string | undefined
  localBootstrap: { host: string, port: number } | null
  firewalled?: boolean | undefined
  maxPeers?: number | undefined
  keyPair: { publicKey: Buffer, secretKey: Buffer }
  identity?: { publicKey: Buffer, secretKey: Buffer } | null | undefined
  joined: () => Replicable[]
}

export class DhtSwarm extends ReadyResource {
  private readonly opts: DhtSwarmOptions
  swarm: Hyperswarm | null = null
  bootstrapNode: BootstrapNode | null = null
  health: BootstrapHealth | null = null
  budget: PeerBudget | null = null
  private refreshTimer: NodeJS.Timeout | null = null
  private readonly retries = new Set<NodeJS.Timeout>()

  constructor (opts: DhtSwarmOptions) {
    super()
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
    const { bootstrap, host, localBootstrap, maxPeers, keyPair, identity = null } = this.opts
    if (localBootstrap !== null) {
      const node = new BootstrapNode({ ...localBootstrap, takeover: true })
      this.bootstrapNode = node
      node.on('takeover', () => {
        this.emit('takeover', node.address)
        this.refresh()
      })
      node.on('warning', err => this.emit('warning', err))
      await node.ready()
      this.refreshTimer = setInterval(() => this.refresh(), LOCAL_REFRESH_INTERVAL)
      this.refreshTimer.unref()
    }
    const nodes = bootstrap !== null ? await resolveNodes(bootstrap) : null
    const firewalled = this.opts.firewalled ?? firewalledOn(nodes)
    const dht = new DHT({
      ...(nodes !== null ? { bootstrap: nodes } : {}),
      ...(host !== undefined ? { host } : {}),
      ...(firewalled ? {} : { firewalled: false }),
      ...(identity !== null ? { keyPair: identity } : {})
    })
    const swarm = new Hyperswarm({ dht, keyPair, ...(maxPeers !== undefined ? { maxPeers } : {}) })
    this.swarm = swarm
    swarm.on('connection', (conn) => {
      conn.on('error', (err: Error) => this.emit('connection-error', err))
      const remote = toHex(conn.remotePublicKey)
      this.emit('stream', conn)
      conn.once('close', () => this.emit('disconnection', remote))
      this.emit('connection', remote)
    })
    // a room's connections carry cores the budget does not know
    this.budget = new PeerBudget(swarm, () => {
      const all = this.opts.joined()
      return all.every(r => r.core !== undefined) ? all.map(r => r.core!) : []
    })
    await this.budget.ready()
    this.health = new BootstrapHealth(dht, nodes ?? dht.bootstrapNodes)
    this.health.on('unreachable', () => this.emit('bootstrap-unreachable'))
    this.health.on('reachable', () => this.emit('bootstrap-reachable'))
    await this.health.ready()
  }

  get connections (): number {
    return this.swarm?.connections.size ?? 0
  }

  peers (): PeerSummary[] {
    return [...this.swarm?.connections ?? []].map(conn => {
      const key = toHex(conn.remotePublicKey)
      return { type: 'swarm', remote: key, publicKey: key }
    })
  }

  join (r: Replicable, { server = true, client = true } = {}): void {
    if (this.swarm === null) return
    const done = r.findingPeers?.() ?? noop
    this.swarm.join(r.discoveryKey, { server, client })
    this.swarm.flush().then(done, done)
    this.retryDiscovery(r)
  }

  // Two peers joining at once can each look the topic up before the other has announced.
  private retryDiscovery (r: Replicable): void {
    const lonely = () => r.core !== undefined ? r.core.peers.length === 0 : this.connections === 0
    const step = (i: number) => {
      const delay = RETRY_DISCOVERY[i]
      if (delay === undefined) return
      const timer = setTimeout(() => {
        this.retries.delete(timer)
        if (this.swarm === null || this.closing !== null || !this.opts.joined().includes(r)) return
        if (lonely()) this.swarm.status(r.discoveryKey)?.refresh().catch(safetyCatch)
        step(i + 1)
      }, delay)
      timer.unref()
      this.retries.add(timer)
    }
    step(0)
  }

  joinPeer (key: Buffer): void {
    this.swarm?.joinPeer(key)
  }

  leavePeer (key: Buffer): void {
    if (this.swarm !== null && !this.swarm.destroyed) this.swarm.leavePeer(key)
  }

  async leave (r: Replicable): Promise<void> {
    if (this.swarm !== null && !this.swarm.destroyed) await this.swarm.leave(r.discoveryKey)
  }

  async flush (): Promise<void> {
    if (this.swarm !== null) await this.swarm.flush()
  }

  private refresh (): void {
    if (this.swarm === null || this.closing !== null) return
    for (const r of this.opts.joined()) this.swarm.status(r.discoveryKey)?.refresh().catch(safetyCatch)
  }

  protected override async _close (): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    for (const timer of this.retries) clearTimeout(timer)
    await this.health?.close()
    await this.budget?.close()
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

function noop () {}
