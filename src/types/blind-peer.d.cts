declare module 'blind-peer' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'node:stream'
  import Corestore from 'corestore'
  import Hyperswarm from 'hyperswarm'
  import RocksDB from 'rocksdb-native'

  namespace BlindPeer {
    interface Options {
      swarm?: Hyperswarm
      store?: Corestore
      // the storage cap: over it, the least active un-announced cores are cleared
      maxBytes?: number
      enableGc?: boolean
      // the client identities whose cores it announces on the DHT
      trustedPubKeys?: (Buffer | string)[]
      port?: number
      bootstrap?: { host: string, port: number }[] | null
    }

    interface Digest {
      referrers: number
      cores: number
      bytesAllocated: number
    }

    interface Stats {
      bytesGcd: number
      coresAdded: number
      activations: number
      wakeups: number
      addCoresRx: number
      muxerPaired: number
      muxerErrors: number
    }

    // what a client asked it to keep (one core)
    interface CoreRequest {
      key: Buffer
      announce: boolean
      priority: number
      referrer: Buffer | null
    }

    interface AddCoresRequest {
      cores: { key: Buffer, length: number }[]
      announce: boolean
      priority: number
      referrer: Buffer | null
    }

    // a replication stream from Hyperswarm, as its events hand it over
    interface Stream extends Duplex {
      remotePublicKey: Buffer
    }

    // prom-client, as far as registerMetrics uses it
    interface PromClient {
      Gauge: new (opts: { name: string, help: string, collect (this: { set (value: number): void }): void }) => unknown
    }
  }

  class BlindPeer extends EventEmitter {
    constructor (rocks: string | RocksDB, opts?: BlindPeer.Options)
    readonly publicKey: Buffer
    readonly digest: BlindPeer.Digest
    readonly stats: BlindPeer.Stats
    readonly swarm: Hyperswarm
    readonly store: Corestore
    readonly nrAnnouncedCores: number
    readonly maxBytes: number
    readonly opened: boolean
    readonly closing: Promise<void> | null
    ready (): Promise<void>
    close (): Promise<void>
    listen (): Promise<void>
    flush (): Promise<void>
    needsGc (): boolean
    addTrustedPubKey (key: Buffer | string): void
    registerMetrics (promClient: BlindPeer.PromClient): void

    on (event: 'add-new-core', listener: (record: BlindPeer.CoreRequest, isNew: boolean, stream: BlindPeer.Stream) => void): this
    on (event: 'add-cores-downgrade-announce', listener: (info: { request: BlindPeer.AddCoresRequest, remotePublicKey: Buffer }) => void): this
    on (event: 'downgrade-announce', listener: (info: { record: BlindPeer.CoreRequest, remotePublicKey: Buffer }) => void): this
    on (event: 'gc-start', listener: (info: { bytesToClear: number }) => void): this
    on (event: 'gc-done', listener: (info: { bytesCleared: number }) => void): this
    on (event: 'flush-error' | 'muxer-error', listener: (err: Error) => void): this
    on (event: 'announce-core', listener: (core: { key: Buffer }) => void): this
  }

  export = BlindPeer
}

declare module 'blind-peering' {
  import Autobase from 'autobase'
  import Corestore from 'corestore'
  import Hypercore from 'hypercore'
  import HyperDHT from 'hyperdht'

  namespace BlindPeering {
    interface Options {
      // the mirrors (blind peers) to use, by public key
      keys?: (Buffer | string)[]
      // how many of `keys` each core goes to (the closest by XOR distance to the core's key)
      pick?: number
      // protomux-wakeup (an Autobase's wakeupProtocol), added to every mirror connection
      wakeup?: unknown
      suspended?: boolean
      gcWait?: number
      batchIdleWait?: number
      batchMaxWait?: number
    }

    interface AddOptions {
      target?: Buffer
      referrer?: Buffer | null
      priority?: number
      announce?: boolean
      pick?: number
      keys?: Buffer[]
    }
  }

  class BlindPeering {
    constructor (dht: HyperDHT, store: Corestore, opts?: BlindPeering.Options)
    readonly keys: Buffer[]
    readonly stats: { addAutobase: number, addCore: number, addCoresTx: number }
    addCore (core: Hypercore, opts?: BlindPeering.AddOptions): Promise<void>
    addCoreBackground (core: Hypercore, opts?: BlindPeering.AddOptions): void
    addAutobase (base: Autobase<unknown>, opts?: BlindPeering.AddOptions): Promise<void>
    addAutobaseBackground (base: Autobase<unknown>, opts?: BlindPeering.AddOptions): void
    suspend (): Promise<void>
    resume (): Promise<void>
    close (): Promise<void>
  }

  export = BlindPeering
}

declare module 'fs-native-extensions' {
  // an exclusive (or shared) lock on an open file; false when another holder has it
  export function tryLock (fd: number, opts?: { shared?: boolean }): boolean
  export function unlock (fd: number): void
}
