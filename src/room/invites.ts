import crypto from 'hypercore-crypto'
import { invalidInvite } from '../errors.js'
import { parseKey, toHex, toZ32 } from '../keys.js'

export const ROOM_INVITE_PREFIX = 'hyperfeed-room:'
const JOIN_CONTEXT = Buffer.from('hyperfeed-room-join\n')
const Z32_KEY = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}$/

// The seed makes a key pair for this invite alone: the room knows its public
// key, and a join signed with its secret is valid once.
export interface RoomInvite {
  roomKey: Buffer
  encryptionKey: Buffer
  seed: Buffer
}

// a bare room key: store and forward only
export type RoomRef = { invite: RoomInvite, roomKey: Buffer } | { invite: null, roomKey: Buffer }


export function parseRoomRef (input: string): RoomRef {
  const s = input.trim()
  if (!s.startsWith(ROOM_INVITE_PREFIX)) {
    try {
      return { invite: null, roomKey: parseKey(s) }
    } catch {
      throw invalidInvite(input)
    }
  }
  const parts = s.slice(ROOM_INVITE_PREFIX.length).split(':')
  if (parts.length !== 3 || !parts.every(p => Z32_KEY.test(p))) throw invalidInvite(input)
  try {
    const [roomKey, encryptionKey, seed] = parts.map(p => parseKey(p)) as [Buffer, Buffer, Buffer]
    return { invite: { roomKey, encryptionKey, seed }, roomKey }
  } catch {
    throw invalidInvite(input)
  }
}

export function formatInvite ({ roomKey, encryptionKey, seed }: RoomInvite): string {
  return ROOM_INVITE_PREFIX + [roomKey, encryptionKey, seed].map(toZ32).join(':')
}

export function newInvite (roomKey: Buffer, encryptionKey: Buffer): RoomInvite {
  return { roomKey, encryptionKey, seed: crypto.randomBytes(32) }
}

export function invitePublicKey (invite: RoomInvite): string {
  return toHex(crypto.keyPair(invite.seed).publicKey)
}

function joinMessage (roomKey: Buffer, writerKey: Buffer): Buffer {
  return Buffer.concat([JOIN_CONTEXT, roomKey, writerKey])
}

export function signJoin (invite: RoomInvite, writerKey: Buffer): string {
  return toHex(crypto.sign(joinMessage(invite.roomKey, writerKey), crypto.keyPair(invite.seed).secretKey))
}

export function verifyJoin (publicKeyHex: string, roomKey: Buffer, writerKey: Buffer, signatureHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex) || !/^[0-9a-f]{128}$/.test(signatureHex)) return false
  return crypto.verify(joinMessage(roomKey, writerKey), Buffer.from(signatureHex, 'hex'), Buffer.from(publicKeyHex, 'hex'))
}
