import type Hypercore from 'hypercore'
import type Hyperswarm from 'hyperswarm'
import ReadyResource from 'ready-resource'
import { peerHas, peersContiguousLength } from '../internals.js'

const CHECK_INTERVAL = 2000
// a connection gets this long to open a channel for one of our cores
const GRACE = 5000
const BAN_TIME = 60_000

// With view's small connection budget, slots must not stay with peers that give nothing:
// a connection without our cores is dropped, and while a core is behind a full budget gives
// up the peer with least to give. A writer keeps every connection: each is a reader it serves.
export class PeerBudget extends ReadyResource {
  private readonly swarm: Hyperswarm
  private readonly cores: () => Hypercore[]
  private readonly since = new Map<Hyperswarm.Connection, number>()
  private readonly infos = new Map<Hyperswarm.Connection, Hyperswarm.PeerInfo>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private timer: NodeJS.Timeout | null = null
  dropped = 0

  constructor (swarm: Hyperswarm, cores: () => Hypercore[]) {
    super()
    this.swarm = swarm
    this.cores = cores
  }

  private readonly onConnection = (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo): void => {
    this.since.set(conn, Date.now())
    this.infos.set(conn, info)
    conn.once('close', () => {
      this.since.delete(conn)
      this.infos.delete(conn)
    })
  }

  protected override async _open (): Promise<void> {
    this.swarm.on('connection', this.onConnection)
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL)
    this.timer.unref()
  }

  private check (): void {
    const cores = this.cores()
    if (cores.length === 0 || cores.some(core => core.writable)) return
    const now = Date.now()
    const peerOf = (core: Hypercore, conn: Hyperswarm.Connection) => peerHas(core, conn.remotePublicKey)
    for (const [conn, at] of this.since) {
      if (now - at > GRACE && cores.every(core => peerOf(core, conn) === null)) this.drop(conn)
    }
    if (this.swarm.connections.size < this.swarm.maxPeers) return
    for (const core of cores) {
      const best = Math.max(core.length, peersContiguousLength(core))
      if (core.contiguousLength >= best) continue
      let worst: Hyperswarm.Connection | null = null
      let least = Infinity
      for (const conn of this.since.keys()) {
        const have = peerOf(core, conn)?.contiguousLength ?? 0
        if (have <= core.contiguousLength && have < least) {
          least = have
          worst = conn
        }
      }
      if (worst !== null) this.drop(worst)
      return
    }
  }

  private drop (conn: Hyperswarm.Connection): void {
    const info = this.infos.get(conn)
    this.since.delete(conn)
    this.dropped++
    if (info !== undefined) {
      info.ban(true)
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        info.ban(false)
      }, BAN_TIME)
      timer.unref()
      this.timers.add(timer)
    }
    conn.destroy()
  }

  protected override async _close (): Promise<void> {
    this.swarm.off('connection', this.onConnection)
    if (this.timer !== null) clearInterval(this.timer)
    for (const timer of this.timers) clearTimeout(timer)
  }
}
