declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'node:stream'
  import HyperDHT from 'hyperdht'

  namespace Hyperswarm {
    interface Connection extends Duplex {
      remotePublicKey: Buffer
      publicKey: Buffer
      rawStream: { remoteHost?: string, remotePort?: number } | null
    }

    interface PeerInfo {
      publicKey: Buffer
      client: boolean
      topics: Buffer[]
      banned: boolean
      ban (val: boolean): void
    }

    interface Discovery {
      flushed(): Promise<void>
      refresh(opts?: { server?: boolean, client?: boolean }): Promise<void>
      destroy(): Promise<void>
    }

    interface Options {
      dht?: HyperDHT
      keyPair?: { publicKey: Buffer, secretKey: Buffer }
      maxPeers?: number
    }
  }

  class Hyperswarm extends EventEmitter {
    constructor(opts?: Hyperswarm.Options)
    readonly dht: HyperDHT
    readonly keyPair: { publicKey: Buffer, secretKey: Buffer }
    readonly connections: Set<Hyperswarm.Connection>
    maxPeers: number
    readonly destroyed: boolean
    join(topic: Buffer, opts?: { server?: boolean, client?: boolean }): Hyperswarm.Discovery
    leave(topic: Buffer): Promise<void>
    joinPeer(publicKey: Buffer): void
    leavePeer(publicKey: Buffer): void
    status(topic: Buffer): Hyperswarm.Discovery | null
    flush(): Promise<boolean>
    listen(): Promise<void>
    destroy(opts?: { force?: boolean }): Promise<void>
    on(event: 'connection', listener: (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo) => void): this
    on(event: 'update', listener: () => void): this
  }

  export = Hyperswarm
}
