declare module 'hypercore-crypto' {
  export function discoveryKey(publicKey: Buffer): Buffer
  export function randomBytes(n: number): Buffer
  export function keyPair(seed?: Buffer): { publicKey: Buffer, secretKey: Buffer }
  export function sign(message: Buffer, secretKey: Buffer): Buffer
  export function verify(message: Buffer, signature: Buffer, publicKey: Buffer): boolean
}

declare module '@hyperswarm/testnet' {
  import HyperDHT from 'hyperdht'

  namespace createTestnet {
    interface Testnet {
      nodes: HyperDHT[]
      bootstrap: { host: string, port: number }[]
      createNode(opts?: HyperDHT.Options): HyperDHT
      destroy(): Promise<void>
    }
  }

  function createTestnet (size?: number, opts?: { host?: string, port?: number, teardown?: (fn: () => unknown, opts?: { order?: number }) => void }): Promise<createTestnet.Testnet>

  export = createTestnet
}
