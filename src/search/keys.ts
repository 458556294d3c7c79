// The search index's keys in RocksDB (one byte says what a key is; numbers
// are big-endian, seq and authorSeq in 6 bytes, so keys sort by them):
//   m                       meta: {"v","id","room","length","fork"}
//   a <author hex>          -> author number (u32)
//   d <seq>                 the document at that position: {"a":author,"q":authorSeq,
//                           "t":time|-1,"w":"its words","e":last edit applied|-1,"m":1 if a message}
//   i <author u32><aseq>    -> seq: where a message is (edits and deletes name it so)
//   x <author u32><aseq>    a deleted message (never indexed again)
//   p <term> 00 <~seq>      a posting: the document at seq has a word that begins with
//                           `term` (a long word: that word; see indexTerms)
//                           -> author (u32), time (ms, u48; all ones: none)
//   w <word>                the words longer than MAX_PREFIX in use
// Postings of a term sort newest first (~seq counts down). Words are folded
// letters and digits, so a term never holds the 00 byte that ends it.
// RocksDB here stores blocks uncompressed: every byte of a posting counts.

export const META = Buffer.from('m')
const AUTHOR = 0x61 // a
const DOC = 0x64 // d
const ID = 0x69 // i
const TOMBSTONE = 0x78 // x
const POSTING = 0x70 // p
const DICT_WORD = 0x77 // w
const TERM_END = 0x00
const SEQ_BYTES = 6
const TOP = 2 ** 48 - 1
const NO_TIME = TOP
const SURROGATE = /[\ud800-\udfff]/

// prefixes of a word are indexed up to this many code points (see indexTerms)
export const MAX_PREFIX = 4

export const authorRange = { gt: Buffer.from([AUTHOR]), lt: Buffer.from([AUTHOR + 1]) }
export const tombstoneRange = { gt: Buffer.from([TOMBSTONE]), lt: Buffer.from([TOMBSTONE + 1]) }
// every key of the index
export const everything = { start: Buffer.from([0]), end: Buffer.from([0xff]) }

function tagged (tag: number, rest: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from([tag]), typeof rest === 'string' ? Buffer.from(rest) : rest])
}

export const authorKey = (hex: string) => tagged(AUTHOR, hex)
export const authorOfKey = (key: Buffer) => key.subarray(1).toString()

export function docKey (seq: number): Buffer {
  const key = Buffer.allocUnsafe(1 + SEQ_BYTES)
  key[0] = DOC
  key.writeUIntBE(seq, 1, SEQ_BYTES)
  return key
}

export const docsFrom = (seq: number) => ({ gte: docKey(seq), lt: Buffer.from([DOC + 1]) })

function idKey (tag: number, author: number, authorSeq: number): Buffer {
  const key = Buffer.allocUnsafe(5 + SEQ_BYTES)
  key[0] = tag
  key.writeUInt32BE(author, 1)
  key.writeUIntBE(authorSeq, 5, SEQ_BYTES)
  return key
}

export const idKeyOf = (author: number, authorSeq: number) => idKey(ID, author, authorSeq)
export const tombstoneKey = (author: number, authorSeq: number) => idKey(TOMBSTONE, author, authorSeq)

export function seqValue (seq: number): Buffer {
  const value = Buffer.allocUnsafe(SEQ_BYTES)
  value.writeUIntBE(seq, 0, SEQ_BYTES)
  return value
}

export const readSeqValue = (value: Buffer) => value.readUIntBE(0, SEQ_BYTES)

export function postingKey (term: string, seq: number): Buffer {
  const length = Buffer.byteLength(term)
  const key = Buffer.allocUnsafe(length + 2 + SEQ_BYTES)
  key[0] = POSTING
  key.write(term, 1)
  key[length + 1] = TERM_END
  key.writeUIntBE(TOP - seq, length + 2, SEQ_BYTES)
  return key
}

export function termRange (term: string): { gte: Buffer, lt: Buffer } {
  const start = Buffer.concat([Buffer.from([POSTING]), Buffer.from(term)])
  return { gte: Buffer.concat([start, Buffer.from([TERM_END])]), lt: Buffer.concat([start, Buffer.from([TERM_END + 1])]) }
}

export function postingValue (author: number, time: number): Buffer {
  const value = Buffer.allocUnsafe(4 + SEQ_BYTES)
  value.writeUInt32BE(author, 0)
  value.writeUIntBE(time >= 0 && time < NO_TIME ? time : NO_TIME, 4, SEQ_BYTES)
  return value
}

export interface Posting {
  seq: number
  author: number
  // -1: the entry has no time
  time: number
}

export function readPosting (key: Buffer, value: Buffer | null): Posting {
  const seq = TOP - key.readUIntBE(key.length - SEQ_BYTES, SEQ_BYTES)
  if (value === null) return { seq, author: -1, time: -1 }
  const time = value.readUIntBE(4, SEQ_BYTES)
  return { seq, author: value.readUInt32BE(0), time: time === NO_TIME ? -1 : time }
}

// The terms a document's words are indexed under: a word's first two, three
// and four letters (each such term lists the documents with a word that
// begins so; shorter words are terms of their own), and words longer than
// that as themselves. So each word makes at most four postings; a query word
// of up to four letters is one list, and a longer one the words that begin
// with it (found in the dictionary of long words).
export function indexTerms (words: string[]): Set<string> {
  const terms = new Set<string>()
  for (const w of words) {
    const cps = SURROGATE.test(w) ? Array.from(w) : null
    const n = cps === null ? w.length : cps.length
    for (let k = 2; k <= Math.min(n - 1, MAX_PREFIX); k++) terms.add(cps === null ? w.slice(0, k) : cps.slice(0, k).join(''))
    terms.add(w)
  }
  return terms
}

export function codePoints (word: string): number {
  return SURROGATE.test(word) ? Array.from(word).length : word.length
}

export function longestPrefix (word: string): string {
  return SURROGATE.test(word) ? Array.from(word).slice(0, MAX_PREFIX).join('') : word.slice(0, MAX_PREFIX)
}

// The dictionary of words longer than MAX_PREFIX, to expand a query word
// into the words it begins.
export function dictKey (term: string): Buffer | null {
  return codePoints(term) <= MAX_PREFIX ? null : tagged(DICT_WORD, term)
}

// Dictionary keys of the words beginning with `word`.
export function dictRange (word: string): { gte: Buffer, lt: Buffer } {
  const start = tagged(DICT_WORD, word)
  return { gte: start, lt: Buffer.concat([start, Buffer.from([0xff])]) }
}

export const termOfDictKey = (key: Buffer) => key.subarray(1).toString()
