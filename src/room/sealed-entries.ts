import sodium from 'sodium-universal'
import { MAX_ENTRY_BYTES, isObject } from '../entries.js'
import { entryTooLarge } from '../errors.js'
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, EPOCH_KEY_BYTES, type EpochKey, isEpochId } from './epoch-keys.js'

// A sealed entry, as it travels in a member's core and sits in the room's log:
//   {"type":"room/sealed","v":1,"e":EPOCH_ID,"c":BASE64URL}
// c = nonce (24) | XChaCha20-Poly1305 of the entry's JSON, authenticated
// together with the room key, the author's writer key and the epoch id, so a
// member cannot pass another's ciphertext off as its own, nor move it to another
// room or epoch. Apply never opens it: it only checks this shape.
export const SEALED_TYPE = 'room/sealed'
export const SEALED_VERSION = 1

const AD_CONTEXT = Buffer.from('hyperfeed-room-entry\n')
const BASE64URL = /^[A-Za-z0-9_-]*$/
const HEAD = `{"type":"${SEALED_TYPE}","v":${SEALED_VERSION},"e":"`
// the envelope around c, with a 16-hex epoch id
const ENVELOPE_BYTES = Buffer.byteLength(`${HEAD}0123456789abcdef","c":""}`)
const WRAP_BYTES = AEAD_NONCE_BYTES + AEAD_TAG_BYTES

// The JSON size of the sealed form of `plainBytes` bytes of entry.
export function sealedSize (plainBytes: number): number {
  return ENVELOPE_BYTES + base64Length(plainBytes + WRAP_BYTES)
}

// The largest entry (JSON bytes) whose sealed form is still an entry.
export const MAX_SEALED_PLAINTEXT = largestSealable(MAX_ENTRY_BYTES)

export interface SealContext {
  roomKey: Buffer
  // the author's writer key
  author: Buffer
}

export interface SealedEntry {
  type: typeof SEALED_TYPE
  v: number
  e: string
  c: string
}

// Seals an entry's JSON bytes with an epoch key; the result encodes to at most
// MAX_ENTRY_BYTES (larger entries are refused here, before anything is posted).
export function sealEntry (plain: Buffer, { id: e, key }: EpochKey, ctx: SealContext): SealedEntry {
  if (plain.length > MAX_SEALED_PLAINTEXT) throw entryTooLarge(sealedSize(plain.length), MAX_ENTRY_BYTES)
  const out = Buffer.alloc(WRAP_BYTES + plain.length)
  const nonce = out.subarray(0, AEAD_NONCE_BYTES)
  sodium.randombytes_buf(nonce)
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out.subarray(AEAD_NONCE_BYTES), plain, ad(ctx, e), null, nonce, key)
  return { type: SEALED_TYPE, v: SEALED_VERSION, e, c: out.toString('base64url') }
}

// The sealed entry's JSON, byte for byte what every member computes from it.
export function encodeSealed (s: SealedEntry): Buffer {
  return Buffer.from(`${HEAD}${s.e}","c":"${s.c}"}`)
}

export function isSealed (value: unknown): boolean {
  return isObject(value) && value.type === SEALED_TYPE
}

export type ParsedSealed = { epoch: string, payload: Buffer } | { error: string }

// Checks a sealed entry's shape without opening it (what apply can check).
export function parseSealed (value: unknown): ParsedSealed {
  if (!isObject(value) || value.type !== SEALED_TYPE) return { error: 'not a sealed entry' }
  for (const k in value) if (k !== 'type' && k !== 'v' && k !== 'e' && k !== 'c') return { error: `sealed entry with an unexpected key ${JSON.stringify(k).slice(0, 40)}` }
  if (value.v !== SEALED_VERSION) return { error: `sealed entry of version ${JSON.stringify(value.v)?.slice(0, 20)}; this version reads ${SEALED_VERSION}` }
  if (!isEpochId(value.e)) return { error: 'sealed entry without a 16-hex epoch id' }
  const c = value.c
  if (typeof c !== 'string' || !BASE64URL.test(c) || c.length % 4 === 1) return { error: 'sealed entry whose "c" is not base64url' }
  if (c.length > base64Length(MAX_SEALED_PLAINTEXT + WRAP_BYTES)) return { error: 'sealed entry over the entry size limit' }
  const payload = Buffer.from(c, 'base64url')
  if (payload.length < WRAP_BYTES) return { error: 'sealed entry too short to hold a nonce and a MAC' }
  return { epoch: value.e, payload }
}

// The entry's JSON bytes, or null when `key` is not its epoch's key or the
// ciphertext, author, room or epoch id were changed (the epoch id is part of
// what the MAC covers, so a key of another epoch never opens it).
export function openEntry (sealed: { epoch: string, payload: Buffer }, key: Buffer, ctx: SealContext): Buffer | null {
  if (key.length !== EPOCH_KEY_BYTES || sealed.payload.length < WRAP_BYTES) return null
  const out = Buffer.alloc(sealed.payload.length - WRAP_BYTES)
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, sealed.payload.subarray(AEAD_NONCE_BYTES), ad(ctx, sealed.epoch), sealed.payload.subarray(0, AEAD_NONCE_BYTES), key)
  } catch {
    return null
  }
  return out
}

function ad ({ roomKey, author }: SealContext, epoch: string): Buffer {
  if (roomKey.length !== 32 || author.length !== 32) throw new RangeError('room and author keys must be 32 bytes')
  return Buffer.concat([AD_CONTEXT, Buffer.from([SEALED_VERSION]), roomKey, author, Buffer.from(epoch, 'hex')])
}

function base64Length (bytes: number): number {
  return Math.ceil(bytes * 4 / 3)
}

function largestSealable (limit: number): number {
  let n = Math.floor((limit - ENVELOPE_BYTES) * 3 / 4) - WRAP_BYTES
  while (sealedSize(n + 1) <= limit) n++
  while (sealedSize(n) > limit) n--
  return n
}
