import { encodeEntry } from '../entries.js'
import { inviteClosed, inviteUsed, noEpochKey, usage, noEncryptionKey, noInviter, noSuchInvite, notAMember, notCreator, notInviteMaker, notMember, removed, roleRefused, wrongEncryptionKey } from '../errors.js'
import { toHex } from '../keys.js'
import type { AppendQueue } from './append-queue.js'
import { type RoomInvite, formatInvite, invitePublicKey, newInvite, signJoin } from './invites.js'
import { checkNick } from './names.js'
import type { Room } from './room.js'
import safetyCatch from 'safety-catch'
import { bootstrapCore } from '../internals.js'
import { until } from '../wait.js'
import { keyOpensRoom } from './key-check.js'
import { settled, viewUntil } from './settle.js'
import { currentEpoch } from './epochs.js'
import { type InviteState, describeInvite, entriesLeft, findInvite, inviteId, inviteState, mayRevoke, readValidFor } from './invite-rules.js'
import { checkRemove } from './roles.js'
import { type InviteRecord, type MemberRecord, ROOM_INVITE, ROOM_JOIN, ROOM_MIRROR, ROOM_REMOVE, ROOM_UNINVITE, isAdmin, roleOf } from './state.js'

const REMOVE_ATTEMPTS = 3

export interface InviteInfo {
  id: string
  publicKey: string
  // the maker's writer key and nick
  by: string
  nick: string
  state: InviteState
  // entries the room may still take before it expires (null: no limit)
  left: number | null
  text: string
}

// The room learns the invite from this member's core: any member who has
// synced with this one can let its holder in.
export async function createInvite (room: Room, queue: AppendQueue, { validFor = null }: { validFor?: number | null } = {}): Promise<string> {
  if (!(await room.isMember())) throw notMember(toHex(room.key))
  if (readValidFor(validFor) === null) throw usage('an invite is valid for a whole number of entries, from 1 to 10000000')
  const encryptionKey = room.encryptionKey
  if (encryptionKey === null) throw noEncryptionKey()
  const invite = newInvite(room.key, encryptionKey)
  const publicKey = invitePublicKey(invite)
  await queue.append([encodeEntry({ type: ROOM_INVITE, publicKey, ...(validFor === null ? {} : { validFor }) })])
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
  // a removal that did not follow the room's current epoch is refused: try again on the new one
  for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
    const state = room.base.view.state
    const current = await currentEpoch(state)
    let epoch: Record<string, unknown> | null = null
    if (current !== null) {
      const stay = (await room.members()).filter(m => m.removed === null && m.key !== key)
      epoch = await room.keys.nextEpoch(state, current, stay)
      if (epoch === null) throw noEpochKey(0)
    }
    await queue.append([encodeEntry({ type: ROOM_REMOVE, member: key, ...(epoch === null ? {} : { epoch }) })])
    const moved = async () => current !== null && (await currentEpoch(room.base.view.state))?.id !== current.id
    await settled(room, async () => (await room.member(key))?.removed !== null || await moved(), 'the removal')
    if ((await room.member(key))?.removed !== null) break
  }
  return (await room.member(key))!
}

export async function addMirror (room: Room, queue: AppendQueue, key: Buffer): Promise<void> {
  const config = await room.config()
  if (config === null || config.creator !== toHex(room.writerKey)) throw notCreator('add mirrors')
  const hex = toHex(key)
  if ((await room.mirrors()).some(k => k.equals(key))) return
  await queue.append([encodeEntry({ type: ROOM_MIRROR, mirror: hex })])
  await settled(room, async () => (await room.mirrors()).some(k => k.equals(key)), 'the mirror')
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
  let opens: boolean | null = null
  const known = async () => {
    if (opens === null) opens = await keyOpensRoom(room)
    return opens === false || (await room.invite(publicKey)) !== null
  }
  await room.base.update().catch(safetyCatch)
  const found = await until(known, [{ emitter: room, event: 'update' }, { emitter: bootstrapCore(room.base), event: 'append' }], { timeout: left(), signal })
  if (opens === false) throw wrongEncryptionKey(toHex(room.key))
  if (!found) throw noInviter(toHex(room.key), timeout)
  // all connected members have, so an earlier use of the invite shows
  await room.sync({ timeout: left() })
  await refuseUsed(room, publicKey)
  const entry = { type: ROOM_JOIN, invite: publicKey, nick, box: room.keys.box, signature: signJoin(invite, room.writerKey) }
  // optimistic: this storage is no writer yet; the join counts once a member has it
  const { seq } = await queue.append([encodeEntry(entry)], { optimistic: true })
  await room.delivered(seq, left(), signal)
  await room.sync({ timeout: left() })
  if (!(await room.isMember())) await refuseUsed(room, publicKey)
  // in a sealed room, a member that holds the key hands it over: posts wait for it
  if (await room.isMember()) await viewUntil(room, () => room.holdsKey(), Date.now() + left(), signal)
  return (await room.member(room.writerKey))!
}

async function refuseUsed (room: Room, publicKey: string): Promise<void> {
  const record = await room.invite(publicKey)
  if (record === null || record.usedBy === toHex(room.writerKey)) return
  const state = await stateOf(room, record)
  if (state === 'open') return
  if (state === 'used') {
    const by = await room.member(record.usedBy!)
    throw inviteUsed(by?.nick ?? record.usedBy!.slice(0, 12))
  }
  throw inviteClosed(describeInvite(state, null))
}

async function stateOf (room: Room, record: InviteRecord): Promise<InviteState> {
  const maker = await room.member(record.by)
  return inviteState(record, { length: room.length, makerIsMember: maker !== null && maker.removed === null })
}

// Every invite the room knows, oldest first, with its state now.
export async function listInvites (room: Room): Promise<InviteInfo[]> {
  const out: InviteInfo[] = []
  for (const { publicKey, record } of await room.inviteRecords()) {
    const state = await stateOf(room, record)
    const left = entriesLeft(record, room.length)
    out.push({ id: inviteId(publicKey), publicKey, by: record.by, nick: (await room.member(record.by))?.nick ?? record.by.slice(0, 12), state, left, text: describeInvite(state, left) })
  }
  return out
}

export async function revokeInvite (room: Room, queue: AppendQueue, id: string): Promise<InviteInfo> {
  const all = await room.inviteRecords()
  const publicKey = findInvite(id, all.map(i => i.publicKey))
  if (publicKey === null) throw noSuchInvite(id)
  const record = all.find(i => i.publicKey === publicKey)!.record
  const self = toHex(room.writerKey)
  const me = await room.member(room.writerKey)
  if (!mayRevoke(record, { key: self, admin: me !== null && isAdmin(me), member: await room.isMember() })) throw notInviteMaker()
  const state = await stateOf(room, record)
  if (state === 'used') throw inviteClosed('already used: it cannot be revoked')
  if (record.revoked === null) {
    await queue.append([encodeEntry({ type: ROOM_UNINVITE, invite: publicKey })])
    await settled(room, async () => (await room.invite(publicKey))?.revoked !== null, 'the revocation')
  }
  return (await listInvites(room)).find(i => i.publicKey === publicKey)!
}
