import BlindPeer from 'blind-peer'
import Corestore from 'corestore'
import Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import Hyperswarm from 'hyperswarm'
import ReadyResource from 'ready-resource'
import RocksDB from 'rocksdb-native'
import safetyCatch from 'safety-catch'
import { storageLocked, storageUnusable } from '../errors.js'
import { toHex } from '../keys.js'
import type { NetworkOptions } from '../network/options.js'
import { MirrorDht } from './dht.js'
import { DEFAULT_MAX_BYTES } from './limits.js'

// The name blind-peer derives its key pair from on a store's first run: the
// mirror uses the same one, so its directory keeps its key if a stock
// blind-peer (or blind-peer-cli) ever opens it.
const BLIND_PEER_KEY_NAME = 'blind-mirror-swarm'
// in --local mode, announcements are repeated this often, so that after a
// bootstrap takeover the new node learns where the mirror is within seconds
const LOCAL_REFRESH_INTERVAL = 5000
const LEAVE_TIMEOUT = 2000
// RocksDB's memtables (64 MiB each by default, per column family) are most of
// a store's memory and, until flushed, its write-ahead log on disk: the same
// smaller size hyperfeed's own stores use.
const WRITE_BUFFER_SIZE = 4 * 1024 * 1024

export interface MirrorOptions {
  // the storage cap in bytes: over it, blind-peer clears the least active
  // un-announced cores
  maxBytes?: number
  // the client identities (hyperfeed id) whose cores it announces on the DHT
  trusted?: Buffer[]
  network?: NetworkOptions
}

export interface CoreAdded {
  key: Buffer
  // false when asked without announcing, or when the asker is not trusted
  announce: boolean
  // the identity of the client that asked
  remote: Buffer
}

export interface AnnounceDowngraded {
  remote: Buffer
  cores: Buffer[]
}

export interface MirrorStats {
  cores: number
  bytesAllocated: number
  maxBytes: number
  bytesGcd: number
  coresAdded: number
  activations: number
  announcedCores: number
  connections: number
}

// How much of a core the mirror holds, read from its storage (never by opening
// a session: blind-peer tracks every core opened on its store).
export interface HeldCore {
  length: number
  contiguousLength: number
}

// What a Mirror reports, one event each.
export interface MirrorEvents {
  'core-added': [CoreAdded]
  'announce-downgraded': [AnnounceDowngraded]
  'gc-start': [{ bytesToClear: number }]
  gc: [{ bytesCleared: number }]
  connection: [string]
  disconnection: [string]
  takeover: [string]
  'bootstrap-unreachable': []
  'bootstrap-reachable': []
  warning: [Error]
}

interface CoreInfoStorage {
  getInfos (discoveryKeys: Buffer[]): Promise<({ head: { length: number } | null, hints: { contiguousLength: number } | null } | null)[]>
}

// A blind peer (the `blind-peer` package, unmodified) on hyperfeed's network
// options: it keeps the cores clients ask it to keep, serves them to anyone
// who connects to its key, announces those of trusted clients, and clears
// the least active ones when over its storage cap.
export class Mirror extends ReadyResource {
  readonly dir: string
  readonly maxBytes: number
  readonly trusted: Buffer[]
  readonly network: MirrorDht
  private rocks: RocksDB | null = null
  private store: Corestore | null = null
  private swarm: Hyperswarm | null = null
  private peer: BlindPeer | null = null
  private refreshTimer: NodeJS.Timeout | null = null
  readonly counts = { downgrades: 0, gcRuns: 0 }

  constructor (dir: string, { maxBytes = DEFAULT_MAX_BYTES, trusted = [], network = {} }: MirrorOptions = {}) {
    super()
    this.dir = dir
    this.maxBytes = maxBytes
    this.trusted = trusted
    this.network = new MirrorDht(network)
    this.network.on('takeover', (address: string) => this.emit('takeover', address))
    this.network.on('bootstrap-unreachable', () => this.emit('bootstrap-unreachable'))
    this.network.on('bootstrap-reachable', () => this.emit('bootstrap-reachable'))
    this.network.on('warning', (err: Error) => this.emit('warning', err))
  }

  get blindPeer (): BlindPeer {
    if (this.peer === null) throw new Error('the mirror is not open')
    return this.peer
  }

  // The key clients and readers connect to.
  get key (): Buffer {
    return this.blindPeer.publicKey
  }

  protected override async _open (): Promise<void> {
    try {
      await this.start()
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  private async start (): Promise<void> {
    // The mirror owns the store (rather than blind-peer) so that it can derive
    // the swarm's key pair before blind-peer opens: blind-peer builds its own
    // Hyperswarm with none of the DHT options a loopback or LAN DHT needs.
    this.rocks = new RocksDB(this.dir, { writeBufferSize: WRITE_BUFFER_SIZE })
    // hypercore's storage on that RocksDB (its cores' column family is sized here)
    const storage = Hypercore.defaultStorage(this.rocks as unknown as string, { writeBufferSize: WRITE_BUFFER_SIZE })
    this.store = new Corestore(storage, { active: false } as Corestore.Options)
    try {
      await this.store.ready()
    } catch (err) {
      throw rocksError(this.dir, err)
    }
    const { secretKey } = await this.store.createKeyPair(BLIND_PEER_KEY_NAME)
    const keyPair = crypto.keyPair(secretKey.subarray(0, 32))

    await this.network.ready()
    const store = this.store
    this.swarm = new Hyperswarm({ dht: this.network.dht, keyPair })
    this.swarm.on('connection', (conn) => {
      conn.on('error', safetyCatch)
      // what a stock blind peer does with a store of its own
      store.replicate(conn)
      const remote = toHex(conn.remotePublicKey)
      conn.once('close', () => this.emit('disconnection', remote))
      this.emit('connection', remote)
    })

    const peer = new BlindPeer(this.rocks, { store, swarm: this.swarm, maxBytes: this.maxBytes, trustedPubKeys: this.trusted })
    this.peer = peer
    peer.on('add-new-core', (record, _isNew, stream) => {
      this.emit('core-added', { key: record.key, announce: record.announce, remote: stream.remotePublicKey })
    })
    peer.on('add-cores-downgrade-announce', ({ request, remotePublicKey }) => {
      this.counts.downgrades++
      this.emit('announce-downgraded', { remote: remotePublicKey, cores: request.cores.map(c => c.key) })
    })
    // the older one-core RPC some clients still use
    peer.on('downgrade-announce', ({ record, remotePublicKey }) => {
      this.counts.downgrades++
      this.emit('announce-downgraded', { remote: remotePublicKey, cores: [record.key] })
    })
    peer.on('gc-start', (info) => this.emit('gc-start', info))
    peer.on('gc-done', (info) => {
      this.counts.gcRuns++
      this.emit('gc', info)
    })
    peer.on('flush-error', (err) => this.emit('warning', err))
    await peer.ready()
    await peer.listen()

    if (this.network.options.localBootstrap) {
      this.refreshTimer = setInterval(() => this.refresh(), LOCAL_REFRESH_INTERVAL)
      this.refreshTimer.unref()
      this.network.on('takeover', () => this.refresh())
    }
  }

  private refresh (): void {
    const swarm = this.swarm as unknown as { server: { refresh (): void } | null, topics (): Iterable<{ refresh (): Promise<void> }> } | null
    if (swarm === null || this.closing !== null) return
    swarm.server?.refresh()
    for (const topic of swarm.topics()) topic.refresh().catch(safetyCatch)
  }

  stats (): MirrorStats {
    const peer = this.blindPeer
    return {
      cores: peer.digest.cores,
      bytesAllocated: peer.digest.bytesAllocated,
      maxBytes: this.maxBytes,
      bytesGcd: peer.stats.bytesGcd,
      coresAdded: peer.stats.coresAdded,
      activations: peer.stats.activations,
      announcedCores: peer.nrAnnouncedCores,
      connections: this.swarm?.connections.size ?? 0
    }
  }

  // What the mirror holds of each core (null: nothing, not even its key).
  async held (keys: Buffer[]): Promise<(HeldCore | null)[]> {
    if (this.store === null) throw new Error('the mirror is not open')
    const storage = (this.store as unknown as { storage: CoreInfoStorage }).storage
    const infos = await storage.getInfos(keys.map(k => crypto.discoveryKey(k)))
    return infos.map(info => info === null ? null : { length: info.head?.length ?? 0, contiguousLength: info.hints?.contiguousLength ?? 0 })
  }

  // Shutdown order: connections and the swarm, blind-peer (its last flush),
  // the store, then the DHT and any --local bootstrap node this process runs.
  protected override _close (): Promise<void> {
    return this.stop()
  }

  private async stop (): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    if (this.swarm !== null) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise(resolve => { timer = setTimeout(resolve, LEAVE_TIMEOUT) })
      const leaving = this.swarm.destroy().catch(safetyCatch)
      await Promise.race([leaving, timeout])
      clearTimeout(timer)
    }
    if (this.peer !== null) await this.peer.close()
    else await this.rocks?.close().catch(safetyCatch)
    await this.store?.close().catch(safetyCatch)
    await this.network.close()
  }
}

// Typed events (ReadyResource is an untyped EventEmitter).
export interface Mirror {
  on<E extends keyof MirrorEvents> (event: E, listener: (...args: MirrorEvents[E]) => void): this
  once<E extends keyof MirrorEvents> (event: E, listener: (...args: MirrorEvents[E]) => void): this
  off<E extends keyof MirrorEvents> (event: E, listener: (...args: MirrorEvents[E]) => void): this
  emit<E extends keyof MirrorEvents> (event: E, ...args: MirrorEvents[E]): boolean
}

function rocksError (dir: string, err: unknown) {
  const message = err instanceof Error ? err.message : String(err)
  if (/lock/i.test(message)) return storageLocked(dir)
  return storageUnusable(dir, message)
}
