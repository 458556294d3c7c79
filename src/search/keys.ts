// The search index's keys in RocksDB (one byte says what a key is):
//   m                          meta: {"v","id","room","length","fork"}
//   a <author hex>             -> author number (u32)
//   d <author u32><seq u64>    a document: {"s":seq,"t":time|-1,"w":[words],"e":last edit,"m":1 if a message}
//   s <seq u64>                -> author u32, authorSeq u64 (the document at that position)
//   x <author u32><seq u64>    a deleted message (never indexed again)
//   p <term> 00 <~seq u64>     a posting: the document at seq has a word starting with term
//                              -> author u32, authorSeq u64, time f64 (-1: none)
// Postings of a term sort newest first (~seq counts down). Words are folded
// letters and digits, so a term never holds the 00 byte that ends it.

// prefixes of a word are indexed up to this many code points; longer query
// words are looked up by this prefix and checked against the stored words
export const MAX_PREFIX = 8

export const META = Buffer.from('m')
const AUTHOR = 0x61 // a
const DOC = 0x64 // d
const SEQ = 0x73 // s
const TOMBSTONE = 0x78 // x
const POSTING = 0x70 // p
const TERM_END = 0x00
const TOP = Number.MAX_SAFE_INTEGER
const HIGH = 2 ** 32
const SURROGATE = /[\ud800-\udfff]/

export const authorRange = { gt: Buffer.from([AUTHOR]), lt: Buffer.from([AUTHOR + 1]) }
export const tombstoneRange = { gt: Buffer.from([TOMBSTONE]), lt: Buffer.from([TOMBSTONE + 1]) }
// every key of the index
export const everything = { start: Buffer.from([0]), end: Buffer.from([0xff]) }

function writeU64 (buf: Buffer, n: number, at: number): void {
  buf.writeUInt32BE(Math.floor(n / HIGH), at)
  buf.writeUInt32BE(n % HIGH, at + 4)
}

function readU64 (buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * HIGH + buf.readUInt32BE(at + 4)
}

export function authorKey (hex: string): Buffer {
  return Buffer.concat([Buffer.from([AUTHOR]), Buffer.from(hex)])
}

export function authorOfKey (key: Buffer): string {
  return key.subarray(1).toString()
}

function idKey (tag: number, author: number, authorSeq: number): Buffer {
  const key = Buffer.allocUnsafe(13)
  key[0] = tag
  key.writeUInt32BE(author, 1)
  writeU64(key, authorSeq, 5)
  return key
}

export const docKey = (author: number, authorSeq: number) => idKey(DOC, author, authorSeq)
export const tombstoneKey = (author: number, authorSeq: number) => idKey(TOMBSTONE, author, authorSeq)

export function seqKey (seq: number): Buffer {
  const key = Buffer.allocUnsafe(9)
  key[0] = SEQ
  writeU64(key, seq, 1)
  return key
}

export function seqOfKey (key: Buffer): number {
  return readU64(key, 1)
}

export const seqsFrom = (seq: number) => ({ gte: seqKey(seq), lt: Buffer.from([SEQ + 1]) })

// (author, authorSeq): the value of an s key, and the start of a posting's value
export function idValue (author: number, authorSeq: number): Buffer {
  const value = Buffer.allocUnsafe(12)
  value.writeUInt32BE(author, 0)
  writeU64(value, authorSeq, 4)
  return value
}

export function readId (value: Buffer): { author: number, authorSeq: number } {
  return { author: value.readUInt32BE(0), authorSeq: readU64(value, 4) }
}

export function postingKey (term: string, seq: number): Buffer {
  const t = Buffer.from(term)
  const key = Buffer.allocUnsafe(t.length + 10)
  key[0] = POSTING
  t.copy(key, 1)
  key[t.length + 1] = TERM_END
  writeU64(key, TOP - seq, t.length + 2)
  return key
}

export function termRange (term: string): { gte: Buffer, lt: Buffer } {
  const t = Buffer.from(term)
  return { gte: Buffer.concat([Buffer.from([POSTING]), t, Buffer.from([TERM_END])]), lt: Buffer.concat([Buffer.from([POSTING]), t, Buffer.from([TERM_END + 1])]) }
}

export function postingValue (author: number, authorSeq: number, time: number): Buffer {
  const value = Buffer.allocUnsafe(20)
  value.writeUInt32BE(author, 0)
  writeU64(value, authorSeq, 4)
  value.writeDoubleBE(time, 12)
  return value
}

export interface Posting {
  seq: number
  author: number
  authorSeq: number
  // -1: the entry has no time
  time: number
}

export function readPosting (key: Buffer, value: Buffer): Posting {
  return { seq: TOP - readU64(key, key.length - 8), author: value.readUInt32BE(0), authorSeq: readU64(value, 4), time: value.readDoubleBE(12) }
}

// The terms a document's words are indexed under: every prefix of two to
// MAX_PREFIX code points, and a one-letter word as itself.
export function indexTerms (words: string[]): Set<string> {
  const terms = new Set<string>()
  for (const w of words) {
    const cps = SURROGATE.test(w) ? Array.from(w) : null
    const n = cps === null ? w.length : cps.length
    if (n === 1) {
      terms.add(w)
      continue
    }
    for (let k = 2; k <= Math.min(n, MAX_PREFIX); k++) terms.add(cps === null ? w.slice(0, k) : cps.slice(0, k).join(''))
  }
  return terms
}

// How a query word is looked up: by itself, or (longer than MAX_PREFIX) by its
// prefix, each document then checked for a word that starts with it.
export function queryTerm (word: string): { term: string, verify: boolean } {
  const cps = Array.from(word)
  if (cps.length <= MAX_PREFIX) return { term: word, verify: false }
  return { term: cps.slice(0, MAX_PREFIX).join(''), verify: true }
}
