import idEncoding from 'hypercore-id-encoding'
import crypto from 'hypercore-crypto'
import { invalidKey } from './errors.js'

const HEX_KEY = /^[0-9a-fA-F]{64}$/
const Z32_KEY = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}$/

// 64 hex or 52 z32 characters (the form keet and other Holepunch tools print).
export function parseKey (input: string): Buffer {
  const s = input.trim()
  if (!HEX_KEY.test(s) && !Z32_KEY.test(s)) throw invalidKey(input)
  const key = idEncoding.decode(s)
  // the last z32 character carries padding bits: only the canonical spelling is a key
  if (Z32_KEY.test(s) && idEncoding.encode(key) !== s) throw invalidKey(input)
  return Buffer.from(key)
}

export const INVITE_PREFIX = 'hyperfeed:'

export interface FeedRef {
  key: Buffer
  encryptionKey: Buffer | null
}

// "hyperfeed:<key z32>:<encryption key z32>" names a private feed.
export function parseFeedRef (input: string): FeedRef {
  const s = input.trim()
  if (s.startsWith(INVITE_PREFIX)) {
    const [key, secret, ...rest] = s.slice(INVITE_PREFIX.length).split(':')
    if (key === undefined || secret === undefined || rest.length > 0 || !Z32_KEY.test(key) || !Z32_KEY.test(secret)) throw invalidKey(input)
    return { key: parseKey(key), encryptionKey: parseKey(secret) }
  }
  return { key: parseKey(s), encryptionKey: null }
}

export function toInvite (key: Buffer, encryptionKey: Buffer): string {
  return INVITE_PREFIX + toZ32(key) + ':' + toZ32(encryptionKey)
}

export function toHex (key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

export function toZ32 (key: Uint8Array): string {
  return idEncoding.encode(key)
}

export function discoveryKeyOf (key: Buffer): Buffer {
  return crypto.discoveryKey(key)
}
