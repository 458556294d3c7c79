declare module 'corestore' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'node:stream'
  import Hypercore from 'hypercore'

  namespace Corestore {
    interface Options {
      readOnly?: boolean
    }

    interface GetOptions {
      name?: string
      key?: Buffer
      createIfMissing?: boolean
      encryption?: { key: Buffer } | null
      manifest?: { version: number, signers: { publicKey: Buffer }[], userData?: Buffer }
      inflightRange?: [number, number]
      allowLatestBlock?: boolean
      notDownloadingLinger?: number
      wait?: boolean
      active?: boolean
    }
  }

  class Corestore extends EventEmitter {
    constructor(storage: string | Hypercore.CoreStorage, opts?: Corestore.Options)
    readonly opened: boolean
    readonly closed: boolean
    ready(): Promise<void>
    close(): Promise<void>
    get(opts: Corestore.GetOptions): Hypercore
    replicate(isInitiatorOrStream: boolean | Duplex, opts?: object): Duplex
    createKeyPair(name: string): Promise<{ publicKey: Buffer, secretKey: Buffer }>
    namespace(name: string | Buffer): Corestore
    findingPeers(): () => void
    session(opts?: object): Corestore
  }

  export = Corestore
}
