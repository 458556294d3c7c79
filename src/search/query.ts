import type RocksDB from 'rocksdb-native'
import { usage } from '../errors.js'
import { MAX_PREFIX, type Posting, codePoints, dictRange, docKey, longestPrefix, postingKey, readPosting, termOfDictKey, termRange } from './keys.js'
import { words } from './text.js'

export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 1000
// postings read from RocksDB at a time: more for one list, fewer for each of a union's
const CAPACITY = 256
const UNION_CAPACITY = 32
// a query word that begins more words than this is looked up by its first
// MAX_PREFIX letters, each document found then checked for a word that begins with it
const MAX_EXPANSION = 16
// the newest postings of each term read to guess how dense it is
const SAMPLE = 64
// candidates checked against the other words at once (one RocksDB read)
const PROBE_BATCH = 128

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

// Postings, newest first.
interface Stream {
  next (): Promise<Posting | null>
  destroy (): void
}

// One term's postings.
class List implements Stream {
  private readonly iterator: RocksDB.Iterator
  private readonly it: AsyncIterator<{ key: Buffer, value: Buffer }>
  head: Posting | null = null

  constructor (db: RocksDB, term: string, capacity: number) {
    this.iterator = db.iterator(termRange(term), { capacity })
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

// Several terms' postings merged, each document once.
class Union implements Stream {
  private readonly lists: List[]
  private last: number | null = null
  private started = false

  constructor (lists: List[]) {
    this.lists = lists
  }

  async next (): Promise<Posting | null> {
    if (!this.started) {
      this.started = true
      await Promise.all(this.lists.map(l => l.next()))
    } else {
      // every list at the document just given out moves past it
      await Promise.all(this.lists.map(l => l.head !== null && l.head.seq === this.last ? l.next() : null))
    }
    let best: Posting | null = null
    for (const l of this.lists) if (l.head !== null && (best === null || l.head.seq > best.seq)) best = l.head
    this.last = best?.seq ?? null
    return best
  }

  destroy (): void {
    for (const l of this.lists) l.destroy()
  }
}

// One word of a query: the terms whose postings name its documents (any of
// them), and, looked up by its prefix, the word to check in each document.
interface QueryWord {
  terms: string[]
  check: string | null
  // postings per entry among the newest (a guess: the rarest word drives)
  density: number
}

// (`alone`: the query's only word, so how dense it is does not matter)
async function lookUp (db: RocksDB, word: string, alone: boolean): Promise<QueryWord> {
  let terms: string[] = []
  let check: string | null = null
  if (codePoints(word) <= MAX_PREFIX) {
    terms = [word]
  } else {
    for await (const { key } of db.iterator(dictRange(word), { values: false, limit: MAX_EXPANSION + 1, capacity: MAX_EXPANSION + 1 })) terms.push(termOfDictKey(key))
    if (terms.length > MAX_EXPANSION) {
      terms = [longestPrefix(word)]
      check = word
    }
  }
  return { terms, check, density: alone ? 1 : await density(db, terms) }
}

async function density (db: RocksDB, terms: string[]): Promise<number> {
  let sum = 0
  await Promise.all(terms.map(async term => {
    let first = -1
    let last = -1
    let n = 0
    for await (const { key } of db.iterator(termRange(term), { values: false, limit: SAMPLE, capacity: SAMPLE })) {
      const seq = readPosting(key, null).seq
      if (first < 0) first = seq
      last = seq
      n++
    }
    // fewer than SAMPLE postings in all: rare, however close together
    if (n > 0) sum += n < SAMPLE ? n / (first + 1) : n / (first - last + 1)
  }))
  return sum
}

function stream (db: RocksDB, w: QueryWord): Stream {
  if (w.terms.length === 1) return new List(db, w.terms[0]!, CAPACITY)
  return new Union(w.terms.map(t => new List(db, t, UNION_CAPACITY)))
}

// Entries that have, for every word of the query, a word beginning with it,
// newest first. The rarest word's postings are walked (its guessed density
// among the newest entries); each candidate that passes the filters is
// looked up in the other words' postings, a batch of candidates at a time.
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
  const looked = await Promise.all(wanted.map(w => lookUp(db, w, wanted.length === 1)))
  if (looked.some(w => w.terms.length === 0 || w.density === 0)) return []
  looked.sort((a, b) => a.density - b.density)
  const [driver, ...others] = looked as [QueryWord, ...QueryWord[]]
  const checks = looked.filter(w => w.check !== null).map(w => w.check!)
  const hits: SearchHit[] = []
  const walk = stream(db, driver)
  try {
    let done = false
    while (!done && hits.length < limit) {
      const candidates: Posting[] = []
      while (candidates.length < PROBE_BATCH) {
        const p = await walk.next()
        if (p === null) {
          done = true
          break
        }
        if (passes(p, authors, since, until)) candidates.push(p)
      }
      for (const p of await probe(db, candidates, others, checks)) {
        hits.push({ seq: p.seq, author: names.authorName(p.author), authorSeq: null, time: p.time < 0 ? null : p.time })
        if (hits.length >= limit) break
      }
    }
  } finally {
    walk.destroy()
  }
  return withAuthorSeqs(db, hits)
}

// A room's hits name the entry in its author's core too (kept with the document).
async function withAuthorSeqs (db: RocksDB, hits: SearchHit[]): Promise<SearchHit[]> {
  const inRoom = hits.filter(h => h.author !== null)
  if (inRoom.length === 0) return hits
  const batch = db.read({ capacity: inRoom.length, autoDestroy: true })
  const docs = inRoom.map(h => batch.get(docKey(h.seq)))
  batch.tryFlush()
  for (const [i, raw] of (await Promise.all(docs)).entries()) {
    if (raw !== null) inRoom[i]!.authorSeq = (JSON.parse(raw.toString()) as { q: number }).q
  }
  return hits
}

// The candidates found under every other word (one of its terms), and
// holding each word that was looked up by its prefix.
async function probe (db: RocksDB, candidates: Posting[], others: QueryWord[], checks: string[]): Promise<Posting[]> {
  if (candidates.length === 0 || (others.length === 0 && checks.length === 0)) return candidates
  const batch = db.read({ capacity: candidates.length * (others.reduce((n, w) => n + w.terms.length, 0) + 1), autoDestroy: true })
  const found = candidates.map(p => ({
    found: others.map(w => w.terms.map(t => batch.get(postingKey(t, p.seq)))),
    doc: checks.length > 0 ? batch.get(docKey(p.seq)) : null
  }))
  batch.tryFlush()
  const out: Posting[] = []
  for (let i = 0; i < candidates.length; i++) {
    const f = found[i]!
    let ok = true
    for (const any of f.found) if ((await Promise.all(any)).every(v => v === null)) ok = false
    const raw = f.doc === null ? null : await f.doc
    if (ok && f.doc !== null) {
      const docWords = raw === null ? [] : (JSON.parse(raw.toString()) as { w: string }).w.split(' ')
      ok = checks.every(c => docWords.some(w => w.startsWith(c)))
    }
    if (ok) out.push(candidates[i]!)
  }
  return out
}

function passes (p: Posting, authors: Set<number> | null, since: number | null, until: number | null): boolean {
  if (authors !== null && !authors.has(p.author)) return false
  if (since !== null && (p.time < 0 || p.time < since)) return false
  if (until !== null && (p.time < 0 || p.time >= until)) return false
  return true
}
