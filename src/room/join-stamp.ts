import crypto from 'node:crypto'
import { leadingZeroBits } from '../chain/block.js'

// An open room's price of entry: a join carries a nonce such that
// sha256(context | room key | joiner's writer key | nonce) has at least the
// room's stamp bits of leading zeros. It is bound to one writer in one room,
// so a stamp cannot be reused, and apply checks it with one hash.
export const DEFAULT_STAMP_BITS = 18
export const MAX_STAMP_BITS = 32

const CONTEXT = Buffer.from('hyperfeed-room-join-stamp\n')
const NONCE_BYTES = 8

export function stampDigest (roomKey: Buffer, writerKey: Buffer, nonce: number): Buffer {
  return crypto.createHash('sha256').update(stampMessage(roomKey, writerKey, nonce)).digest()
}

export function verifyStamp (roomKey: Buffer, writerKey: Buffer, nonce: unknown, bits: number): boolean {
  if (!Number.isSafeInteger(nonce) || (nonce as number) < 0) return false
  if (roomKey.length !== 32 || writerKey.length !== 32) return false
  return leadingZeroBits(stampDigest(roomKey, writerKey, nonce as number)) >= bits
}

// Searches nonces from `start`; null after `max` tries. Expect 2^bits tries
// (18 bits: about 260,000 sha256, ~0.7 s of CPU here at ~2.8 µs each;
// the count varies, exponentially distributed: 3x the mean is not rare).
export function mineStamp (roomKey: Buffer, writerKey: Buffer, bits: number, { start = 0, max = Number.MAX_SAFE_INTEGER }: { start?: number, max?: number } = {}): number | null {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_STAMP_BITS) throw new RangeError(`stamp bits must be 0 to ${MAX_STAMP_BITS}`)
  const message = stampMessage(roomKey, writerKey, 0)
  const at = message.length - NONCE_BYTES
  for (let i = 0; i < max; i++) {
    const nonce = start + i
    if (!Number.isSafeInteger(nonce)) return null
    message.writeBigUInt64BE(BigInt(nonce), at)
    if (leadingZeroBits(crypto.createHash('sha256').update(message).digest()) >= bits) return nonce
  }
  return null
}

function stampMessage (roomKey: Buffer, writerKey: Buffer, nonce: number): Buffer {
  const message = Buffer.alloc(CONTEXT.length + 64 + NONCE_BYTES)
  CONTEXT.copy(message, 0)
  roomKey.copy(message, CONTEXT.length)
  writerKey.copy(message, CONTEXT.length + 32)
  message.writeBigUInt64BE(BigInt(nonce), CONTEXT.length + 64)
  return message
}
