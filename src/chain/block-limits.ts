import { MAX_ENTRY_BYTES, MAX_NESTING, nestedDeeper } from '../entries.js'
import { entryTooLarge, usage } from '../errors.js'
import { MAX_DIFFICULTY } from './block.js'

// What a block's data may be, checked before any work is spent on it: a block
// is an entry, so its JSON must fit the entry limit whatever height, time and
// nonce it ends up with, and its data must nest at most MAX_NESTING deep.

// The block entry around its data when height, time and nonce are as long as
// they can be (16 digits: Number.MAX_SAFE_INTEGER) and the difficulty has 2 digits.
const WIDEST = String(Number.MAX_SAFE_INTEGER)
export const BLOCK_OVERHEAD_BYTES = Buffer.byteLength(
  `{"type":"block","height":${WIDEST},"time":${WIDEST},"prev":"${'0'.repeat(64)}","difficulty":${MAX_DIFFICULTY},"nonce":${WIDEST},"data":,"hash":"${'0'.repeat(64)}"}`
)

export interface BlockLimitOptions {
  // the largest entry allowed (default: MAX_ENTRY_BYTES)
  limit?: number
  // in a sealed room the data is stored sealed: its size from the plain JSON's
  sealedSize?: ((plainBytes: number) => number) | null
}

// The data's JSON (as it will be hashed and sealed); throws the error the user
// sees when the data is too deep, too large, or not JSON at all.
export function checkBlockData (data: unknown, { limit = MAX_ENTRY_BYTES, sealedSize = null }: BlockLimitOptions = {}): string {
  if (nestedDeeper(data, MAX_NESTING)) throw usage(`block data may nest at most ${MAX_NESTING} levels of arrays and objects`)
  let json: string | undefined
  try {
    json = JSON.stringify(data)
  } catch {
    throw usage('block data cannot be written as JSON')
  }
  if (json === undefined) throw usage('block data must be a JSON value')
  const plain = Buffer.byteLength(json)
  const stored = sealedSize === null ? plain : sealedSize(plain)
  const worst = BLOCK_OVERHEAD_BYTES + stored
  if (worst > limit) throw entryTooLarge(worst, limit)
  return json
}

// The most bytes of data JSON a block can carry (plain, or sealed).
export function maxBlockDataBytes ({ limit = MAX_ENTRY_BYTES, sealedSize = null }: BlockLimitOptions = {}): number {
  const room = limit - BLOCK_OVERHEAD_BYTES
  if (sealedSize === null) return room
  let lo = 0
  let hi = room
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (sealedSize(mid) <= room) lo = mid
    else hi = mid - 1
  }
  return lo
}
