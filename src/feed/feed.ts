import type { Duplex } from 'node:stream'
import type Hypercore from 'hypercore'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type Entry, type EntryResult, MAX_ENTRY_BYTES, encodeEntry, isUnreadable } from '../entries.js'
import { invalidEntry, notEncrypted, notOpen, notWritable } from '../errors.js'
import { type ChainTip, ChainChecker, isBlockEntry, verifyBlock } from '../chain/block.js'
import { toHex, toInvite, toZ32 } from '../keys.js'
import { firstOf } from '../wait.js'
import { encryptionKeyOf, followerCoreOptions, hasNamedCore } from '../internals.js'
import { Store, StorageRoot } from '../storage.js'
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
  // seq of the first appended entry, and the feed's length after the append
  seq: number
  length: number
}

const CHAIN_CACHE = 'hyperfeed/chain'
// blocks requested from one peer at a time, [min, max] (Hypercore's default is
// [16, 512]): more in flight keeps a fast peer busy during a cold sync
const INFLIGHT_RANGE: [number, number] = [256, 1024]
const ENCRYPTION_KEY = 'hyperfeed/encryption-key'
const ENCRYPTED_MARK = Buffer.from('hyperfeed:encrypted')

function isEncryptedManifest (manifest: { userData?: Buffer | null } | null): boolean {
  return manifest?.userData?.equals(ENCRYPTED_MARK) ?? false
}

// A private feed's block key: derived from the writer's store, never stored.
async function writerEncryptionKey (store: Store, name: string): Promise<Buffer> {
  const { secretKey } = await store.corestore.createKeyPair('hyperfeed/encryption/' + name)
  return Buffer.from(secretKey.subarray(0, 32))
}

export interface OpenOptions {
  storage: string
}

// What a feed is opened from: this store's own writable feed `name`, or
// someone's feed by key (with the encryption key of a private feed, if known).
export type FeedSource =
  | { name: string, encrypt?: boolean }
  | { key: Buffer, encryptionKey?: Buffer | null }

// A feed is one Hypercore whose blocks are JSON entries. It reads blocks as raw
// bytes and decodes them itself, so a block another program wrote can never
// throw out of a read: it comes back as an unreadable entry instead.
export class Feed extends ReadyResource {
  readonly store: Store
  readonly name: string | null
  private readonly source: FeedSource
  private readonly ownsStore: boolean
  private session: Hypercore | null = null
  // blocks (and their bytes) fetched from peers since this feed was opened
  readonly downloaded = { blocks: 0, bytes: 0 }
  readonly uploaded = { blocks: 0, bytes: 0 }
  private appending: Promise<unknown> = Promise.resolve()
  // entry numbers over blocks (packed blocks hold many entries)
  private index: EntryIndex | null = null
  // the writer packs lines that arrive together into one block
  private pack: PackOptions | null
  private counting: Promise<number> | null = null
  private nextCount: Promise<number> | null = null
  // the last valid block of this feed and how far it was computed (writers)
  private chain: { length: number, fork: number, checker: ChainChecker } | null = null

  constructor (store: Store, source: FeedSource, { ownsStore = false, pack = null }: { ownsStore?: boolean, pack?: PackOptions | null } = {}) {
    super()
    this.store = store
    this.source = source
    this.name = 'name' in source ? source.name : null
    this.ownsStore = ownsStore
    this.pack = pack
  }

  // The writable feed called `name` in `store` (same key every time). With
  // encrypt, a new feed is created private: its blocks are encrypted with a key
  // derived from the store, and its manifest says so (bound to its key), so a
  // viewer without the invite knows why it cannot read it.
  static async openWriter (store: Store, name: string, { ownsStore = false, encrypt = false, pack = null }: { ownsStore?: boolean, encrypt?: boolean, pack?: PackOptions | null } = {}): Promise<Feed> {
    return opened(new Feed(store, { name, encrypt }, { ownsStore, pack }))
  }

  // Someone's feed, by public key: a local copy that fills up from peers. The
  // encryption key of a private feed (from its invite) is kept with the copy.
  static async open (store: Store, key: Buffer, { ownsStore = false, encryptionKey = null }: { ownsStore?: boolean, encryptionKey?: Buffer | null } = {}): Promise<Feed> {
    return opened(new Feed(store, { key, encryptionKey }, { ownsStore }))
  }

  // The common case: a storage root, one feed, and a store the feed owns (closed with it).
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

  // A feed by key in the store directory `dir` (readOnly: without locking it).
  static async openAt (dir: string, key: Buffer, { readOnly = false, encryptionKey = null }: { readOnly?: boolean, encryptionKey?: Buffer | null } = {}): Promise<Feed> {
    const store = await Store.open(dir, { readOnly })
    return Feed.open(store, key, { ownsStore: true, encryptionKey })
  }

  protected override async _open (): Promise<void> {
    try {
      this.session = 'name' in this.source ? await this.openNamed(this.source) : await this.openByKey(this.source)
    } catch (err) {
      if (this.ownsStore) await this.store.close()
      throw err
    }
    const core = this.session
    this.index = new EntryIndex(core)
    await this.index.count({ wait: false })
    // once a feed has packed blocks, its writer keeps packing (entry N stays findable)
    if (core.writable && this.index.packed && this.pack === null) this.pack = {}
    // a writer's own appends are counted as they are made; a copy counts
    // what arrives from peers (the last block says how many entries there are)
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

  private async openNamed ({ name, encrypt = false }: { name: string, encrypt?: boolean }): Promise<Hypercore> {
    const corestore = this.store.corestore
    // the manifest only matters when the feed is created: an existing one keeps its own
    const create = encrypt && !(await hasNamedCore(corestore, name))
    const manifest = create ? { version: 2, signers: [{ publicKey: (await corestore.createKeyPair(name)).publicKey }], userData: ENCRYPTED_MARK } : undefined
    const core = corestore.get({ name, ...(manifest ? { manifest } : {}) })
    await openCore(core, async () => {
      if (isEncryptedManifest(core.manifest)) {
        await core.setEncryptionKey(await writerEncryptionKey(this.store, name))
      } else if (encrypt) {
        throw notEncrypted(name)
      }
    })
    return core
  }

  private async openByKey ({ key, encryptionKey = null }: { key: Buffer, encryptionKey?: Buffer | null }): Promise<Hypercore> {
    const store = this.store
    const core = store.corestore.get({ key, ...followerCoreOptions(INFLIGHT_RANGE) })
    await openCore(core, async () => {
      const stored = await core.getUserData(ENCRYPTION_KEY)
      const secret = encryptionKey ?? (stored !== null && stored.length === 32 ? stored : null)
      if (secret === null) return
      await core.setEncryptionKey(secret)
      if (encryptionKey !== null && !store.readOnly && !(stored?.equals(encryptionKey) ?? false)) await core.setUserData(ENCRYPTION_KEY, encryptionKey)
    })
    return core
  }

  get core (): Hypercore {
    if (this.session === null) throw notOpen('the feed')
    return this.session
  }

  get key (): Buffer { return this.core.key }
  get discoveryKey (): Buffer { return this.core.discoveryKey }
  // entries (not blocks: a packed block holds many), as far as counted
  get length (): number { return this.entries.length }
  // the largest entry this writer takes (a packed block must also hold its batch)
  get maxEntryBytes (): number { return this.pack === null ? MAX_ENTRY_BYTES : MAX_PACKED_ENTRY_BYTES }
  get blocks (): number { return this.core.length }
  get packed (): boolean { return this.pack !== null || this.entries.packed }
  get contiguousLength (): number { return this.core.contiguousLength }
  // entries in the blocks stored here from the start without a gap
  async contiguousEntries (): Promise<number> {
    return (await this.entries.entriesIn(this.core.contiguousLength)) ?? 0
  }
  get writable (): boolean { return this.core.writable }
  get peerCount (): number { return this.core.peers.length }

  // Whether the feed is private (null until its manifest has come from a peer).
  get encrypted (): boolean | null {
    const manifest = this.core.manifest
    return manifest === null ? null : isEncryptedManifest(manifest)
  }

  // False for a private feed this copy has no key for: it can keep and share
  // the encrypted blocks, not read them.
  get readable (): boolean {
    return this.encrypted !== true || this.core.encryption !== null
  }

  // The invite to a private feed: its key and encryption key in one string.
  get invite (): string | null {
    const secret = encryptionKeyOf(this.core)
    return this.encrypted === true && secret ? toInvite(this.key, secret) : null
  }

  private get entries (): EntryIndex {
    if (this.index === null) throw notOpen('the feed')
    return this.index
  }

  // Counts the entries up to the core's length, one count at a time: a count
  // asked for while one runs gets the next one (it may have missed new blocks).
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

  // Where entry `entry` is (its block, and its place in a packed block).
  locate (entry: number, opts: { wait?: boolean } = {}): Promise<EntryLocation | null> {
    return this.entries.locate(entry, opts)
  }

  // Blocks held on this machine (a viewer may hold a sparse subset).
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

  // Appends one entry or a batch, all or nothing: every entry is checked before
  // any is written, and the promise resolves once the batch is on disk.
  // `encoded` may carry the entries' blocks from encodeEntry, already checked.
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
      tip = await this.chainTip()
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
    if (this.chain !== null && this.chain.length === seq) {
      if (tip !== undefined) this.chain.checker.tip = tip
      this.chain.length = length
    }
    this.emit('append')
    return { seq, length }
  }

  // The last valid block of the feed (null: none yet), checking every block
  // from the start once; the result is cached in the core's local user data.
  async chainTip (): Promise<ChainTip | null> {
    if (this.chain === null || this.chain.fork !== this.core.fork) this.chain = await this.loadChainCache()
    const chain = this.chain
    while (chain.length < this.length) {
      const upto = this.length
      for await (const batch of this.follow({ start: chain.length, end: upto, live: false, prefetch: false })) {
        for (const r of batch) if (!isUnreadable(r) && isBlockEntry(r.value)) chain.checker.check(r.value)
      }
      chain.length = upto
    }
    return chain.checker.tip
  }

  private async loadChainCache (): Promise<{ length: number, fork: number, checker: ChainChecker }> {
    const fresh = { length: 0, fork: this.core.fork, checker: new ChainChecker() }
    try {
      const raw = await this.core.getUserData(CHAIN_CACHE)
      if (raw === null) return fresh
      const c = JSON.parse(raw.toString()) as { length: number, fork: number, tip: ChainTip | null }
      if (c.fork !== this.core.fork || !Number.isSafeInteger(c.length) || c.length > this.length) return fresh
      return { length: c.length, fork: c.fork, checker: new ChainChecker({ tip: c.tip }) }
    } catch {
      return fresh
    }
  }

  private async saveChainCache (): Promise<void> {
    if (this.chain === null || this.store.readOnly) return
    const { length, fork, checker } = this.chain
    // only a cache: if it cannot be written, the chain is recomputed next time
    await this.core.setUserData(CHAIN_CACHE, JSON.stringify({ length, fork, tip: checker.tip })).catch(safetyCatch)
  }

  // One entry. With wait (default), waits for it to arrive from peers if needed;
  // without, resolves null when it is not stored here.
  async get (seq: number, { wait = true, timeout = 0 } = {}): Promise<EntryResult | null> {
    const at = await this.entries.locate(seq, { wait })
    if (at === null) return null
    const block = await this.core.get(at.block, { wait, timeout })
    if (block === null) return null
    const content = decodeBlock(seq - at.offset, block)
    return content.kind === 'batch' ? content.entries[at.offset] ?? null : content.result
  }

  // Entries [start, end), in order, fetched concurrently.
  async read (start: number, end: number, { wait = true } = {}): Promise<EntryResult[]> {
    const out: EntryResult[] = []
    for await (const batch of this.follow({ start, end, live: false, prefetch: wait, wait })) out.push(...batch)
    return out
  }

  // Entries from `start` in order, in batches, then (live) new ones as they
  // arrive. Destroy the follower (or break out of the loop) to stop.
  follow (opts: FollowOptions = {}): Follower {
    return new Follower(this, opts)
  }

  // Replicates this feed's store over a connection or protocol stream.
  replicate (stream: Duplex): void {
    this.store.corestore.replicate(stream)
  }

  findingPeers (): () => void {
    return this.core.findingPeers()
  }

  // Waits up to `timeout` ms for a connected peer that has this feed.
  async findPeer (timeout: number, signal?: AbortSignal): Promise<boolean> {
    if (this.core.peers.length > 0) return true
    return firstOf([{ emitter: this.core, event: 'peer-add' }, { emitter: this.core, event: 'close', value: () => false }], { timeout, signal })
  }

  // Asks the connected peers for the latest length (verified) and returns it,
  // in entries (for a packed feed that takes its last block).
  async update (): Promise<number> {
    if (this.writable) return this.length
    await this.core.update({ wait: true })
    return this.countEntries()
  }

  protected override async _close (): Promise<void> {
    await this.appending
    await this.saveChainCache()
    await this.session?.close()
    if (this.ownsStore) await this.store.close()
  }
}

async function opened (feed: Feed): Promise<Feed> {
  await feed.ready()
  return feed
}

// Opens a core and runs `setup` on it; on any failure the core is closed again.
async function openCore (core: Hypercore, setup: () => Promise<void>): Promise<void> {
  try {
    await core.ready()
    await setup()
  } catch (err) {
    await core.close().catch(safetyCatch)
    throw err
  }
}

function noop () {}
