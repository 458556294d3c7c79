import sodium from 'sodium-universal'

// A sealed room's content keys (see docs/rooms.md, "What membership protects").
// Each epoch has a random 32-byte key; a new epoch starts on every removal.
// An epoch key reaches a member only sealed to that member's box key (X25519,
// crypto_box_seal), and each epoch key carries the previous one encrypted under
// it (chained), so holding epoch N's key opens every epoch before it, never one after.

export const EPOCH_KEY_BYTES = 32
// an epoch's id: 8 bytes of a keyed hash of its key, as 16 hex characters
export const EPOCH_ID_BYTES = 8
export const BOX_KEY_BYTES = 32
// an epoch key sealed to one member: an ephemeral X25519 key, the key, a MAC
export const SEALED_KEY_BYTES = EPOCH_KEY_BYTES + 48
// the previous epoch key under the next: a nonce, the key, a MAC
// XChaCha20-Poly1305, for chained keys and sealed entries
export const AEAD_NONCE_BYTES = 24
export const AEAD_TAG_BYTES = 16
export const CHAINED_KEY_BYTES = AEAD_NONCE_BYTES + EPOCH_KEY_BYTES + AEAD_TAG_BYTES

const HASH_MIN_BYTES = 16
const ID_CONTEXT = Buffer.from('hyperfeed-room-epoch-id\n')
const BOX_CONTEXT = Buffer.from('hyperfeed-room-box-key\n')
const CHAIN_CONTEXT = Buffer.from('hyperfeed-room-epoch-chain\n')
const EPOCH_ID = /^[0-9a-f]{16}$/

// An epoch key with its id, computed once (the id is a hash of the key).
export interface EpochKey {
  id: string
  key: Buffer
}

export interface BoxKeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

export function newEpochKey (): Buffer {
  const key = Buffer.alloc(EPOCH_KEY_BYTES)
  sodium.randombytes_buf(key)
  return key
}

export function epochId (key: Buffer): string {
  checkLength(key, EPOCH_KEY_BYTES, 'an epoch key')
  const out = Buffer.alloc(HASH_MIN_BYTES)
  sodium.crypto_generichash(out, ID_CONTEXT, key)
  return out.subarray(0, EPOCH_ID_BYTES).toString('hex')
}

export function toEpochKey (key: Buffer): EpochKey {
  return { id: epochId(key), key }
}

export function isEpochId (id: unknown): id is string {
  return typeof id === 'string' && EPOCH_ID.test(id)
}

// The seed of a member's box key pair in one room: a keyed hash of a secret the
// member's store derives for good (corestore.createKeyPair), so the same storage
// has the same box key after every restart, and a different one in every room.
export function boxSeed (storeSecret: Buffer, roomKey: Buffer): Buffer {
  if (storeSecret.length < 32 || storeSecret.length > 64) throw new RangeError('the store secret must be 32 to 64 bytes')
  checkLength(roomKey, 32, 'a room key')
  const seed = Buffer.alloc(32)
  sodium.crypto_generichash(seed, Buffer.concat([BOX_CONTEXT, roomKey]), storeSecret)
  return seed
}

export function boxKeyPair (seed: Buffer): BoxKeyPair {
  checkLength(seed, 32, 'a box seed')
  const publicKey = Buffer.alloc(BOX_KEY_BYTES)
  const secretKey = Buffer.alloc(BOX_KEY_BYTES)
  sodium.crypto_box_seed_keypair(publicKey, secretKey, seed)
  return { publicKey, secretKey }
}

// An epoch key sealed to a member's box public key: only that member opens it.
export function sealKey (key: Buffer, boxPublicKey: Buffer): Buffer {
  checkLength(key, EPOCH_KEY_BYTES, 'an epoch key')
  checkLength(boxPublicKey, BOX_KEY_BYTES, 'a box public key')
  const out = Buffer.alloc(SEALED_KEY_BYTES)
  sodium.crypto_box_seal(out, key, boxPublicKey)
  return out
}

// The epoch key in `sealed`, when it is sealed to `pair` and is the key of
// epoch `id`; null otherwise (sealed to someone else, damaged, or a wrong key).
export function openSealedKey (sealed: Buffer, pair: BoxKeyPair, id: string): Buffer | null {
  if (sealed.length !== SEALED_KEY_BYTES) return null
  const key = Buffer.alloc(EPOCH_KEY_BYTES)
  if (!sodium.crypto_box_seal_open(key, sealed, pair.publicKey, pair.secretKey)) return null
  return epochId(key) === id ? key : null
}

// The previous epoch's key encrypted under the next one.
export function chainKey (previous: Buffer, next: Buffer): Buffer {
  checkLength(previous, EPOCH_KEY_BYTES, 'an epoch key')
  checkLength(next, EPOCH_KEY_BYTES, 'an epoch key')
  const out = Buffer.alloc(CHAINED_KEY_BYTES)
  const nonce = out.subarray(0, AEAD_NONCE_BYTES)
  sodium.randombytes_buf(nonce)
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out.subarray(AEAD_NONCE_BYTES), previous, chainAd(epochId(previous), epochId(next)), null, nonce, next)
  return out
}

// The key of epoch `previousId` from the chained box of the epoch whose key is
// `next`; null when the box does not open to exactly that epoch's key.
export function unchainKey (box: Buffer, next: Buffer, previousId: string): Buffer | null {
  if (box.length !== CHAINED_KEY_BYTES || next.length !== EPOCH_KEY_BYTES || !isEpochId(previousId)) return null
  const key = Buffer.alloc(EPOCH_KEY_BYTES)
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(key, null, box.subarray(AEAD_NONCE_BYTES), chainAd(previousId, epochId(next)), box.subarray(0, AEAD_NONCE_BYTES), next)
  } catch {
    return null
  }
  return epochId(key) === previousId ? key : null
}

function chainAd (previousId: string, nextId: string): Buffer {
  return Buffer.concat([CHAIN_CONTEXT, Buffer.from(previousId, 'hex'), Buffer.from(nextId, 'hex')])
}

function checkLength (b: Buffer, n: number, what: string): void {
  if (!Buffer.isBuffer(b) || b.length !== n) throw new RangeError(`${what} must be ${n} bytes`)
}
