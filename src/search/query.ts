import type RocksDB from 'rocksdb-native'
import { usage } from '../errors.js'
import { type Posting, docKey, queryTerm, readPosting, termRange } from './keys.js'
import { words } from './text.js'

export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 1000
// postings read from RocksDB at a time
const CAPACITY = 256

export interface SearchOptions {
  // only entries by these authors (room members' keys, hex)
  authors?: string[] | null
  // only entries with a time, from `since` (inclusive) to `until` (exclusive), ms
  since?: number | null
  until?: number | null
  limit?: number
}

export interface SearchHit {
  // the entry's number (its position in the room's order, in a room)
  seq: number
  author: string | null
  authorSeq: number | null
  // null: the entry has no time
  time: number | null
}

interface Names {
  authorId: (hex: string) => number | undefined
  authorName: (id: number) => string | null
}

// One term's postings, newest first, read ahead in batches.
class Cursor {
  readonly verify: string | null
  private readonly it: AsyncIterator<{ key: Buffer, value: Buffer }>
  private readonly iterator: RocksDB.Iterator
  head: Posting | null = null

  constructor (db: RocksDB, word: string) {
    const { term, verify } = queryTerm(word)
    this.verify = verify ? word : null
    this.iterator = db.iterator(termRange(term), { capacity: CAPACITY })
    this.it = this.iterator[Symbol.asyncIterator]()
  }

  async next (): Promise<Posting | null> {
    const r = await this.it.next()
    this.head = r.done === true ? null : readPosting(r.value.key, r.value.value)
    return this.head
  }

  destroy (): void {
    this.iterator.destroy()
  }
}

// Entries that have, for every word of the query, a word beginning with it:
// the terms' postings are walked together, newest first (a merge join: each
// list is sorted by position), until `limit` entries pass the filters.
export async function runQuery (db: RocksDB, query: string, opts: SearchOptions, names: Names): Promise<SearchHit[]> {
  const wanted = words(query)
  if (wanted.length === 0) throw usage(`nothing to search for in ${JSON.stringify(query)}: a query is words (letters or digits)`)
  const limit = Math.min(Math.max(1, opts.limit ?? DEFAULT_LIMIT), MAX_LIMIT)
  const since = opts.since ?? null
  const until = opts.until ?? null
  let authors: Set<number> | null = null
  if (opts.authors !== undefined && opts.authors !== null) {
    authors = new Set()
    for (const hex of opts.authors) {
      const id = names.authorId(hex)
      if (id !== undefined) authors.add(id)
    }
    if (authors.size === 0) return []
  }
  const cursors = wanted.map(w => new Cursor(db, w))
  const hits: SearchHit[] = []
  try {
    for (const c of cursors) if ((await c.next()) === null) return hits
    for (;;) {
      // the oldest head: every other list skips to it
      let seq = Infinity
      for (const c of cursors) seq = Math.min(seq, c.head!.seq)
      let all = true
      for (const c of cursors) {
        while (c.head!.seq > seq) if ((await c.next()) === null) return hits
        if (c.head!.seq < seq) all = false
      }
      if (!all) continue
      const p = cursors[0]!.head!
      if (passes(p, authors, since, until) && await verified(db, p, cursors)) {
        hits.push({ seq: p.seq, author: names.authorName(p.author), authorSeq: names.authorName(p.author) === null ? null : p.authorSeq, time: p.time < 0 ? null : p.time })
        if (hits.length >= limit) return hits
      }
      for (const c of cursors) if ((await c.next()) === null) return hits
    }
  } finally {
    for (const c of cursors) c.destroy()
  }
}

function passes (p: Posting, authors: Set<number> | null, since: number | null, until: number | null): boolean {
  if (authors !== null && !authors.has(p.author)) return false
  if (since !== null && (p.time < 0 || p.time < since)) return false
  if (until !== null && (p.time < 0 || p.time >= until)) return false
  return true
}

// Query words longer than the indexed prefixes: the document must hold a word
// that begins with the whole query word.
async function verified (db: RocksDB, p: Posting, cursors: Cursor[]): Promise<boolean> {
  const long = cursors.filter(c => c.verify !== null)
  if (long.length === 0) return true
  const raw = await db.get(docKey(p.author, p.authorSeq))
  if (raw === null) return false
  const docWords = (JSON.parse(raw.toString()) as { w: string[] }).w
  return long.every(c => docWords.some(w => w.startsWith(c.verify!)))
}
