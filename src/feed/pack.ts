import { BATCH_TYPE, type EntryResult, MAX_ENTRY_BYTES, decodeEntry, isObject } from '../entries.js'
import { entryTooLarge } from '../errors.js'

// Packed feeds: one block {"type":"batch","first":K,"entries":[...]} holds the lines that arrived
// together; a stock reader still sees one JSON object per block. Once a writer packs it packs
// every later block, so entry N is found by binary search on `first`.
export const PACK_ENTRIES = 1024
export const PACK_BYTES = 256 * 1024
export const MAX_PACK_BYTES = MAX_ENTRY_BYTES
// room for {"type":"batch","first":K,"entries":[ and ]}
export const PACK_OVERHEAD = 64
export const MAX_PACKED_ENTRY_BYTES = MAX_PACK_BYTES - PACK_OVERHEAD

export interface PackOptions {
  entries?: number
  bytes?: number
}

const HEAD = '{"type":"batch","first":'

export function packBlocks (first: number, encoded: Buffer[], { entries = PACK_ENTRIES, bytes = PACK_BYTES }: PackOptions = {}): Buffer[] {
  const limit = Math.min(bytes, MAX_PACK_BYTES)
  for (const e of encoded) if (e.length > MAX_PACKED_ENTRY_BYTES) throw entryTooLarge(e.length, MAX_PACKED_ENTRY_BYTES)
  const out: Buffer[] = []
  let start = 0
  while (start < encoded.length) {
    let size = HEAD.length + 32
    let end = start
    while (end < encoded.length && end - start < entries && (end === start || size + encoded[end]!.length + 1 <= limit)) size += encoded[end++]!.length + 1
    const head = Buffer.from(`${HEAD}${first + start},"entries":[`)
    const parts: Buffer[] = [head]
    for (let i = start; i < end; i++) {
      if (i > start) parts.push(COMMA)
      parts.push(encoded[i]!)
    }
    parts.push(TAIL)
    out.push(Buffer.concat(parts))
    start = end
  }
  return out
}
const COMMA = Buffer.from(',')
const TAIL = Buffer.from(']}')

export type BlockContent =
  | { kind: 'entry', result: EntryResult }
  | { kind: 'batch', first: number, entries: EntryResult[] }

// `seq` is the block's first entry as the reader counted. Never throws.
export function decodeBlock (seq: number, block: Uint8Array): BlockContent {
  const r = decodeEntry(seq, block)
  if ('unreadable' in r || r.value.type !== BATCH_TYPE) return { kind: 'entry', result: r }
  const { first, entries } = r.value
  if (!Number.isSafeInteger(first) || (first as number) < 0 || !Array.isArray(entries) || entries.length === 0) {
    return { kind: 'entry', result: { seq, unreadable: 'malformed packed block (a "batch" needs a whole-number "first" and a non-empty "entries" array)' } }
  }
  return {
    kind: 'batch',
    first: first as number,
    entries: entries.map((value, i) => {
      if (!isObject(value)) return { seq: seq + i, unreadable: `packed entry is ${describe(value)}, not an object` }
      if (typeof value.type !== 'string') return { seq: seq + i, unreadable: 'packed entry without a string "type"' }
      return { seq: seq + i, value: value as { type: string } }
    })
  }
}

export function peekBlock (block: Uint8Array): { first: number, count: number } | null {
  const content = decodeBlock(0, block)
  return content.kind === 'batch' ? { first: content.first, count: content.entries.length } : null
}

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}
