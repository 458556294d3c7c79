import type Hypercore from 'hypercore'
import type Hyperswarm from 'hyperswarm'
import ReadyResource from 'ready-resource'
import { type PeerState, peerHas, peerStates, peersContiguousLength } from '../internals.js'
import safetyCatch from 'safety-catch'

const CHECK_INTERVAL = 2000
// a connection gets this long to open a channel for one of our cores
const GRACE = 5000
const BAN_TIME = 60_000
// a follower behind the length it knows, without progress for this long, is
// starved: it looks the feed up again, then again after these delays (ms)
const STARVED = 4000
const LOOK_AGAIN = [4000, 8000, 15_000, 30_000]
// a peer reconnected for being stuck is not reconnected again for this long
const RECONNECT_AGAIN = 30_000
// a peer that holds requests of ours and answers none for this long is stuck too
const SILENT = 15_000

// With view's small connection budget, slots must not stay with peers that give nothing:
// a connection without our cores is dropped, and while a core is behind a full budget gives
// up the peer with least to give. A starved follower looks the feed up again (Hyperswarm
// itself looks only every ten minutes) and reconnects a peer that is stuck: one that has what
// it lacks but is asked for nothing, or holds its requests and answers none; a new connection
// starts afresh. A writer keeps every connection: each is a reader it serves.
export class PeerBudget extends ReadyResource {
  private readonly swarm: Hyperswarm
  private readonly cores: () => Hypercore[]
  private readonly since = new Map<Hyperswarm.Connection, number>()
  private readonly infos = new Map<Hyperswarm.Connection, Hyperswarm.PeerInfo>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private timer: NodeJS.Timeout | null = null
  private readonly progress = new Map<Hypercore, { contiguous: number, at: number, looks: number, next: number }>()
  private readonly reconnectedAt = new Map<string, number>()
  // when a block last came from each peer (or when it was first seen asked and silent)
  private readonly heard = new WeakMap<object, number>()
  private readonly watched = new Map<Hypercore, (index: number, bytes: number, from: object) => void>()
  dropped = 0
  lookups = 0
  reconnected = 0

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
    for (const core of this.progress.keys()) {
      if (cores.includes(core)) continue
      this.progress.delete(core)
      this.unwatch(core)
    }
    for (const core of cores) if (!core.writable) this.lookIfStarved(core, now)
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

  private lookIfStarved (core: Hypercore, now: number): void {
    let p = this.progress.get(core)
    if (p === undefined) {
      this.progress.set(core, p = { contiguous: -1, at: now, looks: 0, next: 0 })
      const onDownload = (_index: number, _bytes: number, from: object) => this.heard.set(from, Date.now())
      core.on('download', onDownload)
      this.watched.set(core, onDownload)
    }
    const peers = peerStates(core)
    const known = Math.max(core.length, ...peers.map(peer => peer.length))
    if (core.contiguousLength !== p.contiguous || core.contiguousLength >= known) {
      p.contiguous = core.contiguousLength
      p.at = now
      p.looks = 0
      p.next = 0
      return
    }
    if (now - p.at < STARVED) return
    this.reconnectStuck(core, peers, now)
    if (now < p.next) return
    p.next = now + LOOK_AGAIN[Math.min(p.looks++, LOOK_AGAIN.length - 1)]!
    this.lookups++
    this.swarm.status(core.discoveryKey)?.refresh().catch(safetyCatch)
  }

  private reconnectStuck (core: Hypercore, peers: PeerState[], now: number): void {
    for (const [id, at] of this.reconnectedAt) if (now - at >= RECONNECT_AGAIN) this.reconnectedAt.delete(id)
    for (const peer of peers) {
      const has = peer.contiguousLength > core.contiguousLength || peer.length > core.length
      const stuck = peer.inflight === 0 ? has : now - this.heardFrom(peer.peer, now) >= SILENT
      if (!stuck || !peer.uploading) continue
      const id = peer.key.toString('hex')
      if (now - (this.reconnectedAt.get(id) ?? -Infinity) < RECONNECT_AGAIN) continue
      const conn = [...this.since.keys()].find(c => c.remotePublicKey.equals(peer.key))
      if (conn === undefined) continue
      this.reconnectedAt.set(id, now)
      this.reconnected++
      // no ban: Hyperswarm (ours or the peer's) dials it again within seconds
      conn.destroy()
    }
  }

  private unwatch (core: Hypercore): void {
    const onDownload = this.watched.get(core)
    if (onDownload !== undefined) core.off('download', onDownload)
    this.watched.delete(core)
  }

  private heardFrom (peer: object, now: number): number {
    const at = this.heard.get(peer)
    if (at !== undefined) return at
    this.heard.set(peer, now)
    return now
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
    for (const core of [...this.watched.keys()]) this.unwatch(core)
    if (this.timer !== null) clearInterval(this.timer)
    for (const timer of this.timers) clearTimeout(timer)
  }
}
