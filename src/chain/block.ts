import crypto from 'node:crypto'
import { type Entry, MAX_NESTING, isObject, nestedDeeper } from '../entries.js'

// The contract other programs check: hash = hex sha256 of JSON.stringify([height, time, prev,
// difficulty, nonce, data]), with `difficulty` leading zero bits; data nested at most MAX_NESTING deep.
export interface Block extends Entry {
  type: 'block'
  height: number
  time: number
  prev: string
  difficulty: number
  nonce: number
  data: unknown
  hash: string
}

export interface BlockTemplate {
  height: number
  time: number
  prev: string
  difficulty: number
  data: unknown
}

export const GENESIS_PREV = '0'.repeat(64)
export const MAX_DIFFICULTY = 32
export const DEFAULT_DIFFICULTY = 16
const BLOCK_KEYS = ['type', 'height', 'time', 'prev', 'difficulty', 'nonce', 'data', 'hash']
const BLOCK_KEY_SET = new Set(BLOCK_KEYS)
const HEX64 = /^[0-9a-f]{64}$/

export function isBlockEntry (value: Entry): boolean {
  return value.type === 'block'
}

export function preimage (b: Pick<Block, 'height' | 'time' | 'prev' | 'difficulty' | 'nonce' | 'data'>): string {
  return JSON.stringify([b.height, b.time, b.prev, b.difficulty, b.nonce, b.data])
}

export function blockHash (b: Pick<Block, 'height' | 'time' | 'prev' | 'difficulty' | 'nonce' | 'data'>): string {
  return crypto.hash('sha256', preimage(b), 'hex')
}

export function leadingZeroBits (digest: Uint8Array): number {
  let bits = 0
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

export function hexLeadingZeroBits (hex: string): number {
  let bits = 0
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i)
    const nibble = c <= 57 ? c - 48 : (c | 32) - 87
    if (nibble === 0) {
      bits += 4
      continue
    }
    return bits + Math.clz32(nibble) - 28
  }
  return bits
}

export interface ChainTip {
  height: number
  hash: string
}

export type BlockCheck = { valid: true } | { valid: false, error: string }

// `tip`: the last valid block before it (null: none yet).
export function verifyBlock (value: unknown, tip: ChainTip | null, { minDifficulty = 0 } = {}): BlockCheck {
  const shape = checkShape(value)
  if (shape !== null) return { valid: false, error: shape }
  const b = value as Block
  if (tip === null) {
    if (b.height !== 0) return { valid: false, error: `height ${b.height} but the chain has no block yet (a genesis block has height 0)` }
    if (b.prev !== GENESIS_PREV) return { valid: false, error: 'a genesis block has prev of 64 zeros' }
  } else {
    if (b.height !== tip.height + 1) return { valid: false, error: `height ${b.height} does not follow ${tip.height}` }
    if (b.prev !== tip.hash) return { valid: false, error: `prev ${b.prev.slice(0, 12)} is not the hash of block ${tip.height} (${tip.hash.slice(0, 12)})` }
  }
  let hash: string
  try {
    hash = blockHash(b)
  } catch {
    return { valid: false, error: 'data too deeply nested to hash' }
  }
  if (hash !== b.hash) return { valid: false, error: `hash ${b.hash.slice(0, 12)} does not match the content (${hash.slice(0, 12)})` }
  const work = hexLeadingZeroBits(hash)
  if (work < b.difficulty) return { valid: false, error: `hash has ${work} leading zero bits, difficulty ${b.difficulty} needs more` }
  if (b.difficulty < minDifficulty) return { valid: false, error: `difficulty ${b.difficulty} is below the required ${minDifficulty}` }
  return { valid: true }
}

export function checkShape (value: unknown): string | null {
  if (!isObject(value)) return 'not an object'
  if (value.type !== 'block') return 'not a block entry'
  // the common case (exactly the eight keys) builds no lists
  let count = 0
  for (const k in value) {
    if (!BLOCK_KEY_SET.has(k)) return `unexpected key ${Object.keys(value).filter(k => !BLOCK_KEY_SET.has(k)).join(', ')}`
    count++
  }
  if (count !== BLOCK_KEYS.length) return `missing ${BLOCK_KEYS.filter(k => !(k in value)).join(', ')}`
  for (const k of ['height', 'time', 'nonce']) {
    const n = value[k]
    if (!Number.isSafeInteger(n) || (n as number) < 0) return `${k} must be a non-negative safe integer`
  }
  const d = value.difficulty
  if (!Number.isInteger(d) || (d as number) < 0 || (d as number) > MAX_DIFFICULTY) return `difficulty must be an integer from 0 to ${MAX_DIFFICULTY}`
  if (typeof value.prev !== 'string' || !HEX64.test(value.prev)) return 'prev must be 64 lowercase hex characters'
  if (typeof value.hash !== 'string' || !HEX64.test(value.hash)) return 'hash must be 64 lowercase hex characters'
  if (nestedDeeper(value.data, MAX_NESTING)) return 'data too deeply nested to hash'
  return null
}

// A feed's chain: its valid blocks in feed order; an invalid block is skipped.
export class ChainChecker {
  tip: ChainTip | null
  readonly minDifficulty: number
  checked = 0
  invalid = 0

  constructor ({ tip = null, minDifficulty = 0 }: { tip?: ChainTip | null, minDifficulty?: number } = {}) {
    this.tip = tip
    this.minDifficulty = minDifficulty
  }

  check (value: Entry): BlockCheck {
    const result = verifyBlock(value, this.tip, { minDifficulty: this.minDifficulty })
    this.checked++
    if (result.valid) {
      const b = value as Block
      this.tip = { height: b.height, hash: b.hash }
    } else {
      this.invalid++
    }
    return result
  }
}

export function nextTemplate (tip: ChainTip | null, data: unknown, difficulty: number, time = Date.now()): BlockTemplate {
  return {
    height: tip === null ? 0 : tip.height + 1,
    time,
    prev: tip === null ? GENESIS_PREV : tip.hash,
    difficulty,
    data
  }
}

export function toBlock (t: BlockTemplate, nonce: number, hash: string): Block {
  return { type: 'block', height: t.height, time: t.time, prev: t.prev, difficulty: t.difficulty, nonce, data: t.data, hash }
}
