declare module 'hypercore' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'node:stream'

  namespace Hypercore {
    interface KeyPair {
      publicKey: Buffer
      secretKey: Buffer | null
    }

    interface GetOptions {
      wait?: boolean
      timeout?: number
      decrypt?: boolean
      valueEncoding?: 'binary' | 'utf-8' | 'json'
    }

    interface DownloadRange {
      start?: number
      end?: number
      blocks?: number[]
      linear?: boolean
    }

    interface Download {
      ready(): Promise<void>
      done(): Promise<void>
      destroy(): void
    }

    interface ReplicationPeer {
      remoteSynced: boolean
      remoteOpened: boolean
      remoteUploading: boolean
      remoteDownloading: boolean
      stream: { rawStream?: { remoteHost?: string } }
    }

    // hypercore-storage's corestore storage, opaque here
    interface CoreStorage {
      readonly readOnly: boolean
    }

    // protomux, as far as hyperfeed opens channels of its own on a replication stream
    interface Muxer {
      createChannel (opts: {
        protocol: string
        id?: Buffer | null
        unique?: boolean
        onopen?: () => void
        onclose?: () => void
      }): MuxChannel | null
    }

    interface MuxChannel {
      readonly opened: boolean
      readonly closed: boolean
      addMessage<T> (opts: { encoding: unknown, onmessage: (message: T) => void }): { send (message: T): boolean }
      open (handshake?: unknown): void
      close (): void
    }

    // opaque here: src/internals.ts reads its key
    interface Encryption {}
  }

  class Hypercore extends EventEmitter {
    static discoveryKey(key: Buffer): Buffer
    static createProtocolStream(isInitiator: boolean, opts?: object): Duplex
    static getProtocolMuxer(stream: Duplex): Hypercore.Muxer
    static defaultStorage(dir: string, opts?: { readOnly?: boolean, writeBufferSize?: number }): Hypercore.CoreStorage

    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly keyPair: Hypercore.KeyPair | null
    readonly length: number
    readonly contiguousLength: number
    readonly byteLength: number
    readonly fork: number
    readonly signedLength?: number
    readonly writable: boolean
    readonly readable: boolean
    readonly opened: boolean
    readonly closed: boolean
    readonly closing: Promise<void> | null
    readonly peers: Hypercore.ReplicationPeer[]
    readonly encryption: Hypercore.Encryption | null
    readonly manifest: { version: number, userData?: Buffer | null } | null

    ready(): Promise<void>
    close(opts?: { error?: Error }): Promise<void>
    session(opts?: { wait?: boolean, weak?: boolean }): Hypercore
    append(blocks: Buffer | Buffer[]): Promise<{ length: number, byteLength: number }>
    get(index: number, opts?: Hypercore.GetOptions): Promise<Buffer | null>
    has(start: number, end?: number): Promise<boolean>
    count(start: number, end: number): Promise<number>
    update(opts?: { wait?: boolean, force?: boolean }): Promise<boolean>
    download(range?: Hypercore.DownloadRange): Hypercore.Download
    createReadStream(opts?: { start?: number, end?: number, live?: boolean }): AsyncIterable<Buffer>
    findingPeers(): () => void
    setUserData(key: string, value: Buffer | string | null): Promise<void>
    setEncryptionKey(key: Buffer): Promise<void>
    getUserData(key: string): Promise<Buffer | null>

    on(event: 'append' | 'close' | 'ready', listener: () => void): this
    on(event: 'truncate', listener: (length: number, fork: number) => void): this
    on(event: 'peer-add' | 'peer-remove', listener: (peer: Hypercore.ReplicationPeer) => void): this
    on(event: 'download' | 'upload', listener: (index: number, byteLength: number, from: object) => void): this
    off(event: string, listener: (...args: any[]) => void): this
  }

  export = Hypercore
}
