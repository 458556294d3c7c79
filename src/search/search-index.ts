import fs from 'node:fs'
import RocksDB from 'rocksdb-native'
import ReadyResource from 'ready-resource'
import { type Entry, type EntryResult, isChat } from '../entries.js'
import { foreignDirectory, notOpen, storageLocked, storageMissing, storageUnusable } from '../errors.js'
import { DELETE, EDIT, isRefType, messageProblem } from '../messages/entry-types.js'
import { type EntryRef, isAuthorRef } from '../messages/refs.js'
import {
  META, authorKey, authorOfKey, authorRange, dictKey, docKey, docsFrom, everything, idKeyOf, indexTerms, postingKey, postingValue,
  readSeqValue, seqValue, tombstoneKey, tombstoneRange
} from './keys.js'
import { type SearchHit, type SearchOptions, runQuery } from './query.js'
import { entryText, words } from './text.js'

// bumped when the layout changes: an index of another version is rebuilt
const VERSION = 1
// RocksDB's memtable: the index stays small in memory beside the feed's store
const WRITE_BUFFER_SIZE = 8 * 1024 * 1024
const FEED_AUTHOR = ''
// dictionary terms remembered as written (to skip writing them again); past this, forgotten
const KNOWN_TERMS = 500_000
// a file every RocksDB database directory holds
const ROCKSDB_MARKER = 'CURRENT'

export type IndexInput = EntryResult & { author?: string, authorSeq?: number }

interface Meta {
  v: number
  id: string
  room: boolean
  length: number
  fork: number
}

// What the index keeps of the entry at a position.
interface Doc {
  a: number
  q: number
  // time (-1: none)
  t: number
  // its words, space-separated
  w: string
  // authorSeq of the last edit applied (-1: none)
  e: number
  // 1: a message (a chat entry: edits and deletes apply)
  m: 0 | 1
}

const wordsOf = (doc: Doc) => doc.w === '' ? [] : doc.w.split(' ')

export interface SearchIndexOptions {
  // what the index is of: a feed's or a room's key (hex); another one there is replaced
  identity: string
  room?: boolean
  // answer from what is indexed without writing (another process holds the index)
  readOnly?: boolean
  // who may delete other members' messages (a room's admins)
  isAdmin?: (author: string) => boolean
}

// A full-text index of one feed or room, on disk (RocksDB, in a directory of
// its own: nothing in it is ever replicated). Entries are added in order; an
// edit re-indexes its message (the old text no longer matches), a delete
// removes it; edits and deletes count under the same rules as resolver.ts.
// A missing or foreign index is rebuilt from entry 0 (length says where it is).
export class SearchIndex extends ReadyResource {
  readonly dir: string
  readonly room: boolean
  readonly readOnly: boolean
  private readonly identity: string
  private readonly isAdmin: (author: string) => boolean
  private rocks: RocksDB | null = null
  private meta: Meta
  private readonly authorIds = new Map<string, number>()
  private readonly authorNames: string[] = []
  // deleted messages (rooms can give an entry out again after reordering)
  private readonly tombstones = new Set<string>()
  private readonly knownTerms = new Set<string>()
  private writing: Promise<unknown> = Promise.resolve()

  constructor (dir: string, { identity, room = false, readOnly = false, isAdmin = () => false }: SearchIndexOptions) {
    super()
    this.dir = dir
    this.identity = identity
    this.room = room
    this.readOnly = readOnly
    this.isAdmin = isAdmin
    this.meta = { v: VERSION, id: identity, room, length: 0, fork: 0 }
  }

  // entries indexed: the next one to add is entry `length`
  get length (): number { return this.meta.length }
  // the feed's fork this index was built from (a feed rewritten by its writer is indexed again)
  get fork (): number { return this.meta.fork }

  private get db (): RocksDB {
    if (this.rocks === null) throw notOpen('the search index')
    return this.rocks
  }

  protected override async _open (): Promise<void> {
    await checkDirectory(this.dir, this.readOnly)
    const db = new RocksDB(this.dir, { readOnly: this.readOnly, createIfMissing: !this.readOnly, writeBufferSize: WRITE_BUFFER_SIZE })
    try {
      await db.ready()
    } catch (err) {
      await db.close().catch(noop)
      const message = err instanceof Error ? err.message : String(err)
      throw /lock/i.test(message) ? storageLocked(this.dir) : storageUnusable(this.dir, message)
    }
    this.rocks = db
    try {
      const meta = parseMeta(await db.get(META))
      if (meta === null || meta.v !== VERSION || meta.id !== this.identity || meta.room !== this.room) {
        // (read-only: another process holds it and has not built it yet)
        if (this.readOnly) throw storageLocked(this.dir)
        await this.wipe(0)
        return
      }
      this.meta = meta
      await this.load()
    } catch (err) {
      this.rocks = null
      await db.close().catch(noop)
      throw err
    }
  }

  protected override async _close (): Promise<void> {
    await this.writing.catch(noop)
    await this.rocks?.close()
  }

  // Adds the next entries, in order, from entry `length` on.
  add (entries: IndexInput[]): Promise<void> {
    return this.serial(() => this.addNow(entries))
  }

  // Forgets entries from `length` on (a room's order was rewritten from
  // there): they are added again as they now are.
  truncate (length: number): Promise<void> {
    return this.serial(() => this.truncateNow(length))
  }

  // Starts again from nothing (a feed whose writer rewrote it: fork).
  reset (fork = 0): Promise<void> {
    return this.serial(() => this.wipe(fork))
  }

  // Entries matching every word of `query` (a word matches the words it
  // begins, from two letters on), newest first.
  search (query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return runQuery(this.db, query, opts, {
      authorId: (hex) => this.authorIds.get(hex),
      authorName: (id) => this.room ? this.authorNames[id] ?? null : null
    })
  }

  private serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(() => {
      if (this.readOnly) throw storageLocked(this.dir)
      return fn()
    })
    this.writing = run.catch(noop)
    return run
  }

  private learnAuthor (hex: string, id: number): void {
    this.authorIds.set(hex, id)
    this.authorNames[id] = hex
  }

  private async wipe (fork: number): Promise<void> {
    await this.db.deleteRange(everything.start, everything.end)
    this.authorIds.clear()
    this.authorNames.length = 0
    this.tombstones.clear()
    this.knownTerms.clear()
    this.meta = { v: VERSION, id: this.identity, room: this.room, length: 0, fork }
    await this.db.put(META, JSON.stringify(this.meta))
  }

  private async addNow (entries: IndexInput[]): Promise<void> {
    if (entries.length === 0) return
    if (entries[0]!.seq !== this.meta.length) throw new Error(`search index: entry ${entries[0]!.seq} added at ${this.meta.length}`)
    const batch = new Batch(this.db)
    await this.written(batch, async () => {
      for (const e of entries) await this.addOne(e, batch)
      return entries[entries.length - 1]!.seq + 1
    })
  }

  // Runs `fill` on a batch and writes it with the new length, all or nothing:
  // on a failure what this object learned (authors, deletes) is read back from disk.
  private async written (batch: Batch, fill: () => Promise<number>): Promise<void> {
    try {
      const length = await fill()
      batch.w.tryPut(META, JSON.stringify({ ...this.meta, length }))
      await batch.w.flush()
      this.meta = { ...this.meta, length }
    } catch (err) {
      batch.w.destroy()
      await this.load()
      throw err
    }
  }

  private async load (): Promise<void> {
    this.knownTerms.clear()
    this.authorIds.clear()
    this.authorNames.length = 0
    this.tombstones.clear()
    for await (const { key, value } of this.db.iterator(authorRange)) this.learnAuthor(authorOfKey(key), value.readUInt32BE(0))
    for await (const { key } of this.db.iterator(tombstoneRange)) this.tombstones.add(key.subarray(1).toString('hex'))
  }

  private async addOne (e: IndexInput, batch: Batch): Promise<void> {
    if (!('value' in e)) return
    const at = this.position(e, batch)
    if (at === null) return
    const v = e.value
    if (isRefType(v.type)) {
      if (v.type === EDIT || v.type === DELETE) await this.change(e.seq, v, at, batch)
      return
    }
    const text = entryText(v)
    const message = isChat(v)
    if (text === null && !message) return
    if (this.tombstones.size > 0 && this.tombstones.has(tombstoneKey(at.author, at.authorSeq).subarray(1).toString('hex'))) return
    const time = Number.isSafeInteger(v.time) && (v.time as number) >= 0 ? v.time as number : -1
    const w = text === null ? [] : words(text)
    const doc: Doc = { a: at.author, q: at.authorSeq, t: time, w: w.join(' '), e: -1, m: message ? 1 : 0 }
    batch.putDoc(e.seq, doc)
    if (message) batch.w.tryPut(idKeyOf(at.author, at.authorSeq), seqValue(e.seq))
    this.putPostings(batch, w, e.seq, doc)
  }

  // An edit or delete: applied when resolver.ts would apply it.
  private async change (seq: number, v: Entry, at: { author: number, authorSeq: number, name: string }, batch: Batch): Promise<void> {
    if (messageProblem(v) !== null) return
    const target = this.target(v.ref as EntryRef)
    if (target === null) return
    const found = await batch.find(target.author, target.authorSeq)
    if (found === null || found.seq >= seq) return
    const { seq: at2, doc } = found
    const own = target.author === at.author
    if (v.type === EDIT) {
      // (an edit given again after a room's reordering is applied once)
      if (!own || at.authorSeq <= doc.e) return
      const next = words(v.text as string)
      this.deletePostings(batch, wordsOf(doc), at2)
      const edited: Doc = { ...doc, w: next.join(' '), e: at.authorSeq }
      batch.putDoc(at2, edited)
      this.putPostings(batch, next, at2, edited)
      return
    }
    if (!own && !this.isAdmin(at.name)) return
    this.deletePostings(batch, wordsOf(doc), at2)
    batch.putDoc(at2, null)
    batch.w.tryDelete(idKeyOf(target.author, target.authorSeq))
    const tomb = tombstoneKey(target.author, target.authorSeq)
    batch.w.tryPut(tomb, '')
    this.tombstones.add(tomb.subarray(1).toString('hex'))
  }

  private putPostings (batch: Batch, w: string[], seq: number, doc: Doc): void {
    const value = postingValue(doc.a, doc.t)
    for (const term of indexTerms(w)) {
      batch.w.tryPut(postingKey(term, seq), value)
      if (this.knownTerms.has(term)) continue
      const key = dictKey(term)
      if (key === null) continue
      batch.w.tryPut(key, '')
      if (this.knownTerms.size >= KNOWN_TERMS) this.knownTerms.clear()
      this.knownTerms.add(term)
    }
  }

  private deletePostings (batch: Batch, w: string[], seq: number): void {
    for (const term of indexTerms(w)) batch.w.tryDelete(postingKey(term, seq))
  }

  private target (ref: EntryRef): { author: number, authorSeq: number } | null {
    if (isAuthorRef(ref) !== this.room) return null
    if (!isAuthorRef(ref)) return { author: this.authorIds.get(FEED_AUTHOR) ?? -1, authorSeq: ref }
    const author = this.authorIds.get(ref.author)
    return author === undefined ? null : { author, authorSeq: ref.authorSeq }
  }

  private position (e: IndexInput, batch: Batch): { author: number, authorSeq: number, name: string } | null {
    const name = this.room ? e.author : FEED_AUTHOR
    const authorSeq = this.room ? e.authorSeq : e.seq
    if (name === undefined || (this.room && name === '') || authorSeq === undefined || !Number.isSafeInteger(authorSeq) || authorSeq < 0) return null
    let author = this.authorIds.get(name)
    if (author === undefined) {
      author = this.authorNames.length
      this.learnAuthor(name, author)
      const id = Buffer.allocUnsafe(4)
      id.writeUInt32BE(author, 0)
      batch.w.tryPut(authorKey(name), id)
    }
    return { author, authorSeq, name }
  }

  private async truncateNow (length: number): Promise<void> {
    if (length >= this.meta.length) return
    const batch = new Batch(this.db)
    await this.written(batch, async () => {
      for await (const { key, value } of this.db.iterator(docsFrom(length))) {
        const doc = JSON.parse(value.toString()) as Doc
        this.deletePostings(batch, wordsOf(doc), key.readUIntBE(1, key.length - 1))
        if (doc.m === 1) batch.w.tryDelete(idKeyOf(doc.a, doc.q))
        batch.w.tryDelete(key)
      }
      return length
    })
  }
}

// One atomic write, and the documents it changes (read back before it is written).
class Batch {
  readonly w: RocksDB.WriteBatch
  private readonly db: RocksDB
  private readonly docs = new Map<number, Doc | null>()
  // messages added in this batch: "author:authorSeq" -> seq
  private readonly added = new Map<string, number>()

  constructor (db: RocksDB) {
    this.db = db
    this.w = db.write({ autoDestroy: true })
  }

  // The message (author, authorSeq) and where it is.
  async find (author: number, authorSeq: number): Promise<{ seq: number, doc: Doc } | null> {
    let seq = this.added.get(`${author}:${authorSeq}`)
    if (seq === undefined) {
      const at = await this.db.get(idKeyOf(author, authorSeq))
      if (at === null) return null
      seq = readSeqValue(at)
    }
    const doc = this.docs.has(seq) ? this.docs.get(seq)! : await this.read(seq)
    return doc === null || doc.m !== 1 ? null : { seq, doc }
  }

  private async read (seq: number): Promise<Doc | null> {
    const raw = await this.db.get(docKey(seq))
    return raw === null ? null : JSON.parse(raw.toString()) as Doc
  }

  putDoc (seq: number, doc: Doc | null): void {
    this.docs.set(seq, doc)
    if (doc !== null && doc.m === 1) this.added.set(`${doc.a}:${doc.q}`, seq)
    if (doc === null) this.w.tryDelete(docKey(seq))
    else this.w.tryPut(docKey(seq), JSON.stringify(doc))
  }
}

// The index's directory: new, empty, or a RocksDB database already (like the
// stores, never a folder of someone's files).
async function checkDirectory (dir: string, readOnly: boolean): Promise<void> {
  let names: string[]
  try {
    names = await fs.promises.readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storageUnusable(dir, (err as Error).message)
    if (readOnly) throw storageMissing(dir)
    await fs.promises.mkdir(dir, { recursive: true })
    return
  }
  if (names.length > 0 && !names.includes(ROCKSDB_MARKER)) throw foreignDirectory(dir)
}

function parseMeta (raw: Buffer | null): Meta | null {
  if (raw === null) return null
  try {
    return JSON.parse(raw.toString()) as Meta
  } catch {
    return null // damaged: rebuilt
  }
}

function noop () {}

export type { SearchHit, SearchOptions }
