declare module 'rocksdb-native' {
  namespace RocksDB {
    interface Options {
      readOnly?: boolean
      createIfMissing?: boolean
      writeBufferSize?: number
      maxWriteBufferNumber?: number
    }

    interface Range {
      gt?: Buffer | string
      gte?: Buffer | string
      lt?: Buffer | string
      lte?: Buffer | string
    }

    interface IteratorOptions extends Range {
      reverse?: boolean
      values?: boolean
      limit?: number
      // entries read from RocksDB at a time
      capacity?: number
    }

    // a streamx Readable of { key, value }
    interface Iterator extends AsyncIterable<{ key: Buffer, value: Buffer }> {
      destroy(err?: Error): void
      on(event: 'error', listener: (err: Error) => void): this
    }

    interface ReadBatch {
      get(key: Buffer | string): Promise<Buffer | null>
      flush(): Promise<void>
      tryFlush(): void
      destroy(): void
    }

    interface WriteBatch {
      put(key: Buffer | string, value: Buffer | string): Promise<void>
      tryPut(key: Buffer | string, value: Buffer | string): void
      delete(key: Buffer | string): Promise<void>
      tryDelete(key: Buffer | string): void
      deleteRange(start: Buffer | string, end: Buffer | string): Promise<void>
      tryDeleteRange(start: Buffer | string, end: Buffer | string): void
      flush(): Promise<void>
      tryFlush(): void
      destroy(): void
    }
  }

  class RocksDB {
    constructor(path: string, opts?: RocksDB.Options)
    readonly opened: boolean
    readonly closed: boolean
    readonly path: string
    ready(): Promise<void>
    close(opts?: { force?: boolean }): Promise<void>
    get(key: Buffer | string): Promise<Buffer | null>
    put(key: Buffer | string, value: Buffer | string): Promise<void>
    delete(key: Buffer | string): Promise<void>
    deleteRange(start: Buffer | string, end: Buffer | string): Promise<void>
    iterator(range?: RocksDB.Range, opts?: RocksDB.IteratorOptions): RocksDB.Iterator
    read(opts?: { capacity?: number, autoDestroy?: boolean }): RocksDB.ReadBatch
    write(opts?: { capacity?: number, autoDestroy?: boolean }): RocksDB.WriteBatch
    flush(): Promise<void>
    compactRange(start?: Buffer | string | null, end?: Buffer | string | null): Promise<void>
  }

  export = RocksDB
}
