declare module 'hyperbee' {
  import { EventEmitter } from 'node:events'
  import Hypercore from 'hypercore'

  namespace Hyperbee {
    interface Entry<V> { seq: number, key: string, value: V }
    interface Range { gt?: string, gte?: string, lt?: string, lte?: string, reverse?: boolean, limit?: number }
    interface Options { keyEncoding?: 'utf-8' | 'binary', valueEncoding?: 'json' | 'utf-8' | 'binary', extension?: boolean }
    interface Batch<V> {
      get (key: string): Promise<Entry<V> | null>
      put (key: string, value: V): Promise<void>
      del (key: string): Promise<void>
      createReadStream (range?: Range): AsyncIterable<Entry<V>>
      flush (): Promise<void>
      close (): Promise<void>
    }
  }

  class Hyperbee<V = unknown> extends EventEmitter {
    constructor (core: Hypercore, opts?: Hyperbee.Options)
    readonly core: Hypercore
    readonly version: number
    ready (): Promise<void>
    close (): Promise<void>
    get (key: string): Promise<Hyperbee.Entry<V> | null>
    put (key: string, value: V): Promise<void>
    batch (): Hyperbee.Batch<V>
    createReadStream (range?: Hyperbee.Range): AsyncIterable<Hyperbee.Entry<V>>
  }

  export = Hyperbee
}

declare module 'autobase' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'node:stream'
  import Corestore from 'corestore'
  import Hypercore from 'hypercore'

  namespace Autobase {
    interface Node {
      value: Buffer | null
      from: Hypercore
      // 1-based position in the writer's core
      length: number
      indexed: boolean
      optimistic: boolean
      heads: { key: Buffer, length: number }[]
    }

    interface Host {
      addWriter (key: Buffer, opts?: { indexer?: boolean }): Promise<void>
      removeWriter (key: Buffer): Promise<void>
      ackWriter (key: Buffer): Promise<void>
      removeable (key: Buffer): boolean
    }

    interface Handlers<V> {
      open: (store: ViewStore, host?: Host) => V
      apply: (nodes: Node[], view: V, host: Host) => Promise<void>
      close?: (view: V) => Promise<void>
      valueEncoding?: 'binary' | 'json'
      optimistic?: boolean
      ackInterval?: number
      ackThreshold?: number
      encryptionKey?: Buffer | null
      encrypted?: boolean
      fastForward?: boolean
    }

    // the store apply's views come from: cores by name
    interface ViewStore {
      get (name: string, opts?: { valueEncoding?: 'binary' | 'json' }): Hypercore
    }

    interface MemberRecord { isIndexer: boolean, isRemoved: boolean, length: number }
  }

  class Autobase<V = unknown> extends EventEmitter {
    constructor (store: Corestore, key: Buffer | null, handlers: Autobase.Handlers<V>)
    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly local: Hypercore
    readonly view: V
    readonly writable: boolean
    readonly isIndexer: boolean
    readonly encryptionKey: Buffer | null
    readonly opened: boolean
    readonly closing: Promise<void> | null
    readonly signedLength: number
    // protomux-wakeup, opaque here (handed to blind-peering)
    readonly wakeupProtocol: unknown
    ready (): Promise<void>
    close (): Promise<void>
    update (): Promise<void>
    ack (): Promise<void>
    append (value: Buffer | Buffer[], opts?: { optimistic?: boolean }): Promise<unknown>
    replicate (stream: Duplex | boolean): Duplex
    heads (): { key: Buffer, length: number }[]
  }

  export = Autobase
}
