import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'
import type { InviteTerms } from './invite-rules.js'
import type { RoleMember } from './roles.js'

export interface RoomView {
  log: Hypercore
  state: Hyperbee<StateValue>
}

export type StateValue = RoomConfig | MemberRecord | InviteRecord | Record<string, unknown>

export const CONFIG = 'config'
export const memberKey = (hex: string) => 'm/' + hex
export const inviteKey = (publicKey: string) => 'i/' + publicKey
export const MEMBERS = { gte: 'm/', lt: 'm0' }
// the room's mirrors: { keys: HEX[] }, in the order they were added
export const MIRRORS = 'mirrors'
export const MAX_ROOM_MIRRORS = 32

export interface MirrorsRecord {
  keys: string[]
}

export interface RoomConfig {
  creator: string
  difficulty: number
  // open rooms: anyone who knows the key joins with a stamp of this many bits
  open?: boolean
  stampBits?: number
}

export interface MemberRecord {
  key: string
  nick: string
  invitedBy: string | null
  // log seq of its join (or of the room's creation)
  since: number
  removed: { by: string, seq: number } | null
  // its X25519 box key for this room (hex): what epoch keys are sealed to; absent in rooms made before sealing
  box?: string | null
  // joined an open room (with a stamp, no invite)
  open?: boolean
  // absent in rooms made before roles: the creator alone is both
  admin?: boolean
  indexer?: boolean
}

export interface Member extends MemberRecord {
  self: boolean
}

export type InviteRecord = InviteTerms
export const INVITES = { gte: 'i/', lt: 'i0' }

// Records of rooms made before invites had terms lack them: open until used.
export function inviteTerms (record: Partial<InviteTerms> & { by: string }): InviteTerms {
  return { by: record.by, at: record.at ?? 0, validFor: record.validFor ?? null, usedBy: record.usedBy ?? null, revoked: record.revoked ?? null }
}

export interface LogRecord {
  author: string
  authorSeq: number
  value?: unknown
  error?: string
}

// Entry types apply gives a meaning to; a member cannot post them as plain entries.
export const ROOM_CREATE = 'room/create'
export const ROOM_INVITE = 'room/invite'
export const ROOM_JOIN = 'room/join'
export const ROOM_REMOVE = 'room/remove'
export const ROOM_UNINVITE = 'room/uninvite'
export const ROOM_MIRROR = 'room/mirror'
export const ROOM_INDEXERS = 'room/indexers'
export const ROOM_ADMIN = 'room/admin'
export const isRoomType = (type: string) => type.startsWith('room/')

type State = Hyperbee<StateValue>

export async function readConfig (state: State): Promise<RoomConfig | null> {
  return ((await state.get(CONFIG))?.value as RoomConfig | undefined) ?? null
}

export async function readMirrors (state: State): Promise<string[]> {
  return ((await state.get(MIRRORS))?.value as MirrorsRecord | undefined)?.keys ?? []
}

export async function readMember (state: State, hex: string): Promise<MemberRecord | null> {
  return ((await state.get(memberKey(hex)))?.value as MemberRecord | undefined) ?? null
}

export async function readInvite (state: State, publicKey: string): Promise<InviteRecord | null> {
  const record = (await state.get(inviteKey(publicKey)))?.value as InviteRecord | undefined
  return record === undefined ? null : inviteTerms(record)
}

export async function readInvites (state: State): Promise<{ publicKey: string, record: InviteRecord }[]> {
  const out = []
  for await (const { key, value } of state.createReadStream(INVITES)) out.push({ publicKey: key.slice(2), record: inviteTerms(value as InviteRecord) })
  return out.sort((a, b) => a.record.at - b.record.at || (a.publicKey < b.publicKey ? -1 : 1))
}

export const isAdmin = (m: MemberRecord) => m.removed === null && (m.admin ?? m.invitedBy === null)
export const isIndexer = (m: MemberRecord) => m.removed === null && (m.indexer ?? m.invitedBy === null)

export const roleOf = (m: MemberRecord): RoleMember => ({ key: m.key, member: m.removed === null, admin: isAdmin(m), indexer: isIndexer(m), since: m.since })

export async function readMembers (state: State, selfHex: string): Promise<Member[]> {
  const out: Member[] = []
  for await (const { value } of state.createReadStream(MEMBERS)) {
    const m = value as MemberRecord
    out.push({ ...m, self: m.key === selfHex })
  }
  return out.sort((a, b) => a.since - b.since)
}
