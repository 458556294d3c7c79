import type { Duplex } from 'node:stream'
import type Hypercore from 'hypercore'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type Entry, type EntryResult, MAX_ENTRY_BYTES, encodeEntry, isUnreadable } from '../entries.js'
import { invalidEntry, notOpen, notWritable } from '../errors.js'
import { type ChainTip, isBlockEntry, verifyBlock } from '../chain/block.js'
import { toHex, toInvite, toZ32 } from '../keys.js'
import { firstOf } from '../wait.js'
import { encryptionKeyOf } from '../internals.js'
import { Store, StorageRoot } from '../storage.js'
import { ChainTipCache } from './chain-tip.js'
import { isEncryptedManifest, openCopyCore, openWriterCore } from './core.js'
import { type EntryLocation, Follower, type FollowOptions } from './follow.js'
import { EntryIndex } from './entry-index.js'
import { MAX_PACKED_ENTRY_BYTES, type PackOptions, decodeBlock, packBlocks } from './pack.js'

export interface FeedInfo {
  key: string
  z32: string
  discoveryKey: string
  length: number
  blocks: number
  contiguousLength: number
  byteLength: number
  writable: boolean
  peers: number
}

export interface AppendResult {
  seq: number
  length: number
}

export interface OpenOptions {
  storage: string
}

export type FeedSource =
  | { name: string, encrypt?: boolean }
  | { key: Buffer, encryptionKey?: Buffer | null }

// One Hypercore whose blocks are JSON entries, read as raw bytes and decoded here:
// a block another program wrote comes back as an unreadable entry, never thrown.
export class Feed extends ReadyResource {
  readonly store: Store
  readonly name: string | null
  private readonly source: FeedSource
  private readonly ownsStore: boolean
  private session: Hypercore | null = null
  readonly downloaded = { blocks: 0, bytes: 0 }
  readonly uploaded = { blocks: 0, bytes: 0 }
  private appending: Promise<unknown> = Promise.resolve()
  private index: EntryIndex | null = null
  private pack: PackOptions | null
  private counting: Promise<number> | null = null
  private nextCount: Promise<number> | null = null
  private readonly chain = new ChainTipCache(this)

  constructor (store: Store, source: FeedSource, { ownsStore = false, pack = null }: { ownsStore?: boolean, pack?: PackOptions | null } = {}) {
    super()
    this.store = store
    this.source = source
    this.name = 'name' in source ? source.name : null
    this.ownsStore = ownsStore
    this.pack = pack
  }

  static async openWriter (store: Store, name: string, { ownsStore = false, encrypt = false, pack = null }: { ownsStore?: boolean, encrypt?: boolean, pack?: PackOptions | null } = {}): Promise<Feed> {
    return opened(new Feed(store, { name, encrypt }, { ownsStore, pack }))
  }

  static async open (store: Store, key: Buffer, { ownsStore = false, encryptionKey = null }: { ownsStore?: boolean, encryptionKey?: Buffer | null } = {}): Promise<Feed> {
    return opened(new Feed(store, { key, encryptionKey }, { ownsStore }))
  }

  static async openWriterIn ({ storage }: OpenOptions, name: string, { encrypt = false, pack = null }: { encrypt?: boolean, pack?: PackOptions | null } = {}): Promise<Feed> {
    const root = await StorageRoot.open(storage)
    const store = await Store.open(root.writerDir(name))
    const feed = await Feed.openWriter(store, name, { ownsStore: true, encrypt, pack })
    try {
      await root.recordWriterKey(name, feed.key)
    } catch (err) {
      await feed.close()
      throw err
    }
    return feed
  }

  static async openIn ({ storage }: OpenOptions, key: Buffer, { encryptionKey = null }: { encryptionKey?: Buffer | null } = {}): Promise<Feed> {
    const root = await StorageRoot.open(storage)
    return Feed.openAt(root.feedDir(key), key, { encryptionKey })
  }

  static async openAt (dir: string, key: Buffer, { readOnly = false, encryptionKey = null }: { readOnly?: boolean, encryptionKey?: Buffer | null } = {}): Promise<Feed> {
    const store = await Store.open(dir, { readOnly })
    return Feed.open(store, key, { ownsStore: true, encryptionKey })
  }

  protected override async _open (): Promise<void> {
    try {
      const { source } = this
      this.session = 'name' in source ? await openWriterCore(this.store, source.name, source.encrypt ?? false) : await openCopyCore(this.store, source.key, source.encryptionKey ?? null)
    } catch (err) {
      if (this.ownsStore) await this.store.close()
      throw err
    }
    const core = this.session
    this.index = new EntryIndex(core)
    await this.index.count({ wait: false })
    // once a feed has packed blocks, its writer keeps packing (entry N stays findable)
    if (core.writable && this.index.packed && this.pack === null) this.pack = {}
    // a copy counts from its last block as blocks arrive; a writer counts its own appends
    core.on('append', () => { if (!core.writable) this.countEntries().then(() => this.emit('append'), safetyCatch) })
    core.on('truncate', () => { this.countEntries().then(() => this.emit('append'), safetyCatch) })
    core.on('download', (_index: number, bytes: number) => {
      this.downloaded.blocks++
      this.downloaded.bytes += bytes
    })
    core.on('upload', (_index: number, bytes: number) => {
      this.uploaded.blocks++
      this.uploaded.bytes += bytes
    })
    core.on('peer-add', () => this.emit('peers'))
    core.on('peer-remove', () => this.emit('peers'))
  }

  get core (): Hypercore {
    if (this.session === null) throw notOpen('the feed')
    return this.session
  }

  get key (): Buffer { return this.core.key }
  get discoveryKey (): Buffer { return this.core.discoveryKey }
  get length (): number { return this.entries.length }
  // a packed block must also hold its batch
  get maxEntryBytes (): number { return this.pack === null ? MAX_ENTRY_BYTES : MAX_PACKED_ENTRY_BYTES }
  get blocks (): number { return this.core.length }
  get packed (): boolean { return this.pack !== null || this.entries.packed }
  get contiguousLength (): number { return this.core.contiguousLength }
  async contiguousEntries (): Promise<number> {
    return (await this.entries.entriesIn(this.core.contiguousLength)) ?? 0
  }
  get writable (): boolean { return this.core.writable }
  get peerCount (): number { return this.core.peers.length }

  get encrypted (): boolean | null {
    const manifest = this.core.manifest
    return manifest === null ? null : isEncryptedManifest(manifest)
  }

  // false for a private feed without its key here: the copy keeps and serves the blocks unread
  get readable (): boolean {
    return this.encrypted !== true || this.core.encryption !== null
  }

  get invite (): string | null {
    const secret = encryptionKeyOf(this.core)
    return this.encrypted === true && secret ? toInvite(this.key, secret) : null
  }

  private get entries (): EntryIndex {
    if (this.index === null) throw notOpen('the feed')
    return this.index
  }

  // one count at a time: one asked for meanwhile runs next (it may have missed blocks)
  private countEntries (): Promise<number> {
    if (this.counting !== null) {
      this.nextCount ??= this.counting.then(noop, noop).then(() => {
        this.nextCount = null
        return this.countEntries()
      })
      return this.nextCount
    }
    this.counting = this.entries.count().finally(() => { this.counting = null })
    return this.counting
  }

  locate (entry: number, opts: { wait?: boolean } = {}): Promise<EntryLocation | null> {
    return this.entries.locate(entry, opts)
  }

  stored (): Promise<number> {
    return this.core.count(0, this.core.length)
  }

  info (): FeedInfo {
    return {
      key: toHex(this.key),
      z32: toZ32(this.key),
      discoveryKey: toHex(this.discoveryKey),
      length: this.length,
      blocks: this.blocks,
      contiguousLength: this.contiguousLength,
      byteLength: this.core.byteLength,
      writable: this.writable,
      peers: this.peerCount
    }
  }

  // All or nothing: every entry is checked before any is written.
  append (entries: Entry | Entry[], encoded?: Buffer[]): Promise<AppendResult> {
    const list = Array.isArray(entries) ? entries : [entries]
    const run = this.appending.then(() => this.appendNow(list, encoded?.length === list.length ? encoded : list.map(encodeEntry)))
    this.appending = run.catch(safetyCatch)
    return run
  }

  private async appendNow (list: Entry[], encoded: Buffer[]): Promise<AppendResult> {
    if (!this.writable) throw notWritable(`feed ${toHex(this.key)}`)
    const seq = this.length
    if (encoded.length === 0) return { seq, length: seq }
    // a block must extend this feed's own chain, and each block of a batch the one before it
    let tip: ChainTip | null | undefined
    if (list.some(isBlockEntry)) {
      tip = await this.chain.tip()
      for (const entry of list) {
        if (!isBlockEntry(entry)) continue
        const check = verifyBlock(entry, tip)
        if (!check.valid) throw invalidEntry(`the block does not extend this feed's chain: ${check.error}`)
        tip = { height: entry.height as number, hash: entry.hash as string }
      }
    }
    const blocks = this.pack === null ? encoded : packBlocks(seq, encoded, this.pack)
    await this.core.append(blocks)
    this.entries.appended(blocks.length, encoded.length, this.pack !== null)
    const length = this.length
    this.chain.appended(seq, length, tip)
    this.emit('append')
    return { seq, length }
  }

  chainTip (): Promise<ChainTip | null> {
    return this.chain.tip()
  }

  async get (seq: number, { wait = true, timeout = 0 } = {}): Promise<EntryResult | null> {
    const at = await this.entries.locate(seq, { wait })
    if (at === null) return null
    const block = await this.core.get(at.block, { wait, timeout })
    if (block === null) return null
    const content = decodeBlock(seq - at.offset, block)
    return content.kind === 'batch' ? content.entries[at.offset] ?? null : content.result
  }

  async read (start: number, end: number, { wait = true } = {}): Promise<EntryResult[]> {
    const out: EntryResult[] = []
    for await (const batch of this.follow({ start, end, live: false, prefetch: wait, wait })) out.push(...batch)
    return out
  }

  follow (opts: FollowOptions = {}): Follower {
    return new Follower(this, opts)
  }

  replicate (stream: Duplex): void {
    this.store.corestore.replicate(stream)
  }

  findingPeers (): () => void {
    return this.core.findingPeers()
  }

  async findPeer (timeout: number, signal?: AbortSignal): Promise<boolean> {
    if (this.core.peers.length > 0) return true
    return firstOf([{ emitter: this.core, event: 'peer-add' }, { emitter: this.core, event: 'close', value: () => false }], { timeout, signal })
  }

  // in entries: a packed feed's count takes its last block
  async update (): Promise<number> {
    if (this.writable) return this.length
    await this.core.update({ wait: true })
    return this.countEntries()
  }

  protected override async _close (): Promise<void> {
    await this.appending
    if (!this.store.readOnly) await this.chain.save()
    await this.session?.close()
    if (this.ownsStore) await this.store.close()
  }
}

async function opened (feed: Feed): Promise<Feed> {
  await feed.ready()
  return feed
}

function noop () {}
