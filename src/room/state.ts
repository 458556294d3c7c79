import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'

// A room's view, computed by apply on every member from the members' cores:
//   log    the room's history, one JSON record per entry, in room order
//   state  a key-value index of what apply decided: the room's settings,
//          members, invites (and, for chains, blocks)
export interface RoomView {
  log: Hypercore
  state: Hyperbee<StateValue>
}

export type StateValue = RoomConfig | MemberRecord | InviteRecord | Record<string, unknown>

export const CONFIG = 'config'
export const memberKey = (hex: string) => 'm/' + hex
export const inviteKey = (publicKey: string) => 'i/' + publicKey
export const MEMBERS = { gte: 'm/', lt: 'm0' }

export interface RoomConfig {
  creator: string
  difficulty: number
}

export interface MemberRecord {
  key: string
  nick: string
  // who let it in (null for the creator)
  invitedBy: string | null
  // log seq of its join (or of the room's creation)
  since: number
  removed: { by: string, seq: number } | null
}

export interface InviteRecord {
  by: string
  usedBy: string | null
}

// One record of the log: an entry of a member's core, or why it cannot be read.
export interface LogRecord {
  author: string
  authorSeq: number
  // the entry's JSON text as the member wrote it
  value?: unknown
  error?: string
}

// Entry types apply gives a meaning to; a member cannot post them as plain entries.
export const ROOM_CREATE = 'room/create'
export const ROOM_INVITE = 'room/invite'
export const ROOM_JOIN = 'room/join'
export const ROOM_REMOVE = 'room/remove'
export const isRoomType = (type: string) => type.startsWith('room/')
