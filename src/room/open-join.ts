import { encodeEntry } from '../entries.js'
import { noMember, notApplied, removed, roomNotOpen } from '../errors.js'
import { toHex } from '../keys.js'
import type { AppendQueue } from './append-queue.js'
import { DEFAULT_STAMP_BITS, mineStamp } from './join-stamp.js'
import { checkNick } from './names.js'
import type { Room } from './room.js'
import { viewUntil } from './settle.js'
import { type MemberRecord, ROOM_JOIN } from './state.js'

// tries per turn of the event loop: replication goes on while the stamp is mined
const STAMP_SLICE = 20_000
// how long a reachable member's room may take to show its settings
const CONFIG_WAIT = 10_000

// Joins an open room with the room key alone; the network must be joined already.
export async function joinOpenRoom (room: Room, queue: AppendQueue, { nick, timeout, signal }: { nick: string, timeout: number, signal?: AbortSignal }): Promise<MemberRecord> {
  const self = await room.member(room.writerKey)
  if (self !== null && self.removed === null) return self
  if (self !== null) throw removed()
  checkNick(nick)
  const deadline = Date.now() + timeout
  const left = () => Math.max(0, deadline - Date.now())
  if (!(await room.findPeer(left(), signal))) throw noMember(toHex(room.key), timeout, '')
  // an open room's first entry arrives at once; an encrypted room's cannot be read with the key alone
  if (!(await viewUntil(room, async () => (await room.config()) !== null, Date.now() + Math.min(left(), CONFIG_WAIT), signal))) throw roomNotOpen(toHex(room.key))
  const config = (await room.config())!
  if (config.open !== true) throw roomNotOpen(toHex(room.key))
  const stamp = await mine(room.key, room.writerKey, config.stampBits ?? DEFAULT_STAMP_BITS, signal)
  const { seq } = await queue.append([encodeEntry({ type: ROOM_JOIN, nick, stamp })], { optimistic: true })
  await room.delivered(seq, left(), signal)
  await viewUntil(room, () => room.isMember(), Date.now() + left(), signal)
  const member = await room.member(room.writerKey)
  if (member === null) throw notApplied('the join', timeout)
  if (member.removed !== null) throw removed()
  return member
}

async function mine (roomKey: Buffer, writerKey: Buffer, bits: number, signal?: AbortSignal): Promise<number> {
  for (let start = 0; ; start += STAMP_SLICE) {
    signal?.throwIfAborted()
    const nonce = mineStamp(roomKey, writerKey, bits, { start, max: STAMP_SLICE })
    if (nonce !== null) return nonce
    await new Promise(resolve => setImmediate(resolve))
  }
}
