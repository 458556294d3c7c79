declare module 'hyperdht' {
  import { EventEmitter } from 'node:events'

  namespace HyperDHT {
    interface Node {
      host: string
      port: number
    }

    interface Options {
      bootstrap?: Node[] | string[]
      host?: string
      port?: number
      firewalled?: boolean
      ephemeral?: boolean
      keyPair?: { publicKey: Buffer, secretKey: Buffer }
    }
  }

  class HyperDHT extends EventEmitter {
    constructor(opts?: HyperDHT.Options)
    static bootstrapper(port: number, host: string, opts?: HyperDHT.Options): HyperDHT
    static keyPair(seed?: Buffer): { publicKey: Buffer, secretKey: Buffer }

    readonly destroyed: boolean
    // false once this node knows it is reachable (or was told so)
    readonly firewalled: boolean
    readonly bootstrapNodes: HyperDHT.Node[]
    // what connections made without a key pair of their own use (blind-peering's)
    readonly defaultKeyPair: { publicKey: Buffer, secretKey: Buffer }

    ready(): Promise<void>
    fullyBootstrapped(): Promise<void>
    address(): { host: string, port: number, family: number }
    // who announced `topic` (a discovery key), as the DHT's closest nodes answer
    lookup(topic: Buffer): AsyncIterable<{ peers: { publicKey: Buffer }[] }>
    ping(to: HyperDHT.Node, opts?: { size?: number }): Promise<{ from: HyperDHT.Node }>
    destroy(opts?: { force?: boolean }): Promise<void>
  }

  export = HyperDHT
}
