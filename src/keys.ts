import z32 from 'z32'
import crypto from 'hypercore-crypto'
import { invalidKey } from './errors.js'

const HEX_KEY = /^[0-9a-fA-F]{64}$/
const Z32_KEY = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}$/

// Accepts a key as 64 hex characters or as 52 z32 characters (the form keet and
// other Holepunch tools print). Anything else is a usage error.
export function parseKey (input: string): Buffer {
  const s = input.trim()
  if (HEX_KEY.test(s)) return Buffer.from(s, 'hex')
  if (Z32_KEY.test(s)) {
    const key = z32.decode(s).subarray(0, 32)
    // the last z32 character carries 3 padding bits: only the canonical spelling is a key
    if (z32.encode(key) === s) return Buffer.from(key)
  }
  throw invalidKey(input)
}

export const INVITE_PREFIX = 'hyperfeed:'

export interface FeedRef {
  key: Buffer
  // the block encryption key of a private feed, from an invite
  encryptionKey: Buffer | null
}

// A feed named by its key, or by an invite to a private feed:
// "hyperfeed:<key z32>:<encryption key z32>".
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

export function toHex (key: Buffer): string {
  return key.toString('hex')
}

export function toZ32 (key: Buffer): string {
  return z32.encode(key)
}

export function discoveryKeyOf (key: Buffer): Buffer {
  return crypto.discoveryKey(key)
}
