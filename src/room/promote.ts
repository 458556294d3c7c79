import { encodeEntry } from '../entries.js'
import { notAMember, roleRefused, usage } from '../errors.js'
import { toHex } from '../keys.js'
import type { AppendQueue } from './append-queue.js'
import type { Room } from './room.js'
import { checkAdmin, checkIndexerSet, indexers } from './roles.js'
import { settled } from './settle.js'
import { type Member, ROOM_ADMIN, ROOM_INDEXERS, isAdmin, isIndexer, roleOf } from './state.js'

export interface RoleChange {
  // undefined: leave as is
  admin?: boolean
  indexer?: boolean
}

// Gives (or takes) admin rights and a place among the indexers, for several
// members at once: the indexer set changes in one entry, so a room goes from
// 1 indexer to 3 without a 2-indexer step that needs both online to settle.
export async function changeRoles (room: Room, queue: AppendQueue, memberHexes: string[], change: RoleChange): Promise<Member[]> {
  const keys = [...new Set(memberHexes.map(k => k.toLowerCase()))]
  if (keys.length === 0 || (change.admin === undefined && change.indexer === undefined)) throw usage('name at least one member and a role to change')
  const all = await room.members()
  for (const key of keys) if (!all.some(m => m.key === key && m.removed === null)) throw notAMember(key)
  const self = toHex(room.writerKey)
  const members = all.map(roleOf)
  const entries = []
  const current = indexers(members)
  const wanted = change.indexer === undefined
    ? current
    : change.indexer ? [...current, ...keys.filter(k => !current.includes(k))] : current.filter(k => !keys.includes(k))
  if (wanted.length !== current.length) {
    const refused = checkIndexerSet(members, self, wanted)
    if (refused !== null) throw roleRefused(refused)
    entries.push({ type: ROOM_INDEXERS, indexers: wanted })
  }
  if (change.admin !== undefined) {
    for (const key of keys) {
      const refused = checkAdmin(members, self, key, change.admin)
      if (refused !== null) throw roleRefused(refused)
      if (members.find(m => m.key === key)!.admin !== change.admin) entries.push({ type: ROOM_ADMIN, member: key, admin: change.admin })
    }
  }
  const done = async () => {
    for (const key of keys) {
      const m = await room.member(key)
      if (m === null) return false
      if (change.admin !== undefined && isAdmin(m) !== change.admin) return false
      if (change.indexer !== undefined && isIndexer(m) !== change.indexer && wanted.length !== current.length) return false
    }
    return true
  }
  if (entries.length > 0) {
    await queue.append(entries.map(encodeEntry))
    await settled(room, done, 'the change of roles')
  }
  return (await room.members()).filter(m => keys.includes(m.key))
}
