import { encodeEntry } from '../entries.js'
import { inviteUsed, noEncryptionKey, noInviter, notAMember, notMember, removed, roleRefused } from '../errors.js'
import { toHex } from '../keys.js'
import type { AppendQueue } from './append-queue.js'
import { type RoomInvite, formatInvite, invitePublicKey, newInvite, signJoin } from './invites.js'
import { checkNick } from './names.js'
import type { Room } from './room.js'
import { settled, viewUntil } from './settle.js'
import { checkRemove } from './roles.js'
import { type MemberRecord, ROOM_INVITE, ROOM_JOIN, ROOM_REMOVE, roleOf } from './state.js'

// The room learns the invite from this member's core: any member who has
// synced with this one can let its holder in.
export async function createInvite (room: Room, queue: AppendQueue): Promise<string> {
  if (!(await room.isMember())) throw notMember(toHex(room.key))
  const encryptionKey = room.encryptionKey
  if (encryptionKey === null) throw noEncryptionKey()
  const invite = newInvite(room.key, encryptionKey)
  const publicKey = invitePublicKey(invite)
  await queue.append([encodeEntry({ type: ROOM_INVITE, publicKey })])
  await settled(room, async () => (await room.invite(publicKey)) !== null, 'the invite')
  return formatInvite(invite)
}

export async function removeMember (room: Room, queue: AppendQueue, memberHex: string): Promise<MemberRecord> {
  const key = memberHex.toLowerCase()
  const member = await room.member(key)
  if (member === null) throw notAMember(key)
  if (member.removed !== null) return member
  const refused = checkRemove((await room.members()).map(roleOf), toHex(room.writerKey), key)
  if (refused !== null) throw roleRefused(refused)
  await queue.append([encodeEntry({ type: ROOM_REMOVE, member: key })])
  await settled(room, async () => (await room.member(key))?.removed !== null, 'the removal')
  return (await room.member(key))!
}

// The network must be joined already.
export async function joinRoom (room: Room, queue: AppendQueue, invite: RoomInvite, { nick, timeout, signal }: { nick: string, timeout: number, signal?: AbortSignal }): Promise<MemberRecord> {
  const self = await room.member(room.writerKey)
  if (self !== null && self.removed === null) return self
  if (self !== null) throw removed()
  checkNick(nick)
  const publicKey = invitePublicKey(invite)
  const deadline = Date.now() + timeout
  const left = () => Math.max(0, deadline - Date.now())
  if (!(await viewUntil(room, async () => (await room.invite(publicKey)) !== null, deadline, signal))) throw noInviter(toHex(room.key), timeout)
  // all connected members have, so an earlier use of the invite shows
  await room.sync({ timeout: left() })
  await refuseUsed(room, publicKey)
  const entry = { type: ROOM_JOIN, invite: publicKey, nick, signature: signJoin(invite, room.writerKey) }
  // optimistic: this storage is no writer yet; the join counts once a member has it
  const { seq } = await queue.append([encodeEntry(entry)], { optimistic: true })
  await room.delivered(seq, left(), signal)
  await room.sync({ timeout: left() })
  if (!(await room.isMember())) await refuseUsed(room, publicKey)
  return (await room.member(room.writerKey))!
}

async function refuseUsed (room: Room, publicKey: string): Promise<void> {
  const record = await room.invite(publicKey)
  if (record === null || record.usedBy === null || record.usedBy === toHex(room.writerKey)) return
  const by = await room.member(record.usedBy)
  throw inviteUsed(by?.nick ?? record.usedBy.slice(0, 12))
}
