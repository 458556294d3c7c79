// Who may change a room, and which members sign its order (Autobase indexers).
// Pure rules over the member list, for apply to call; each returns why a change
// is refused (a string) or what it leads to, and never depends on arrival order
// beyond the member list it is given.
//
// Autobase 7.28.1 facts these rules rest on (checked by experiment; docs/rooms.md):
//  - entries settle while a majority, floor(n/2)+1, of the n indexers is online;
//    so 2 indexers need both (worse than 1), 3 tolerate one offline, 5 two;
//  - demoting the last indexer (addWriter(key, { indexer: false })) crashes the
//    process with an uncaught assertion; removeWriter refuses the last one;
//  - a change of the set takes effect once the old set's majority has signed it
//    and the new indexers have taken over (the view's signers reach the new size).
export const MAX_INDEXERS = 7

export interface RoleMember {
  key: string
  // joined and not removed
  member: boolean
  admin: boolean
  indexer: boolean
  // log seq of its join: earlier members rank first
  since: number
}

export const quorum = (indexers: number) => Math.floor(indexers / 2) + 1
// how many indexers may be offline while the room still settles
export const tolerates = (indexers: number) => Math.max(0, indexers - quorum(indexers))

const byRank = (a: RoleMember, b: RoleMember) => a.since - b.since || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

export function indexers (members: RoleMember[]): string[] {
  return members.filter(m => m.member && m.indexer).sort(byRank).map(m => m.key)
}

export function admins (members: RoleMember[]): string[] {
  return members.filter(m => m.member && m.admin).sort(byRank).map(m => m.key)
}

function find (members: RoleMember[], key: string): RoleMember | null {
  return members.find(m => m.key === key) ?? null
}

function isAdmin (members: RoleMember[], key: string): boolean {
  const m = find(members, key)
  return m !== null && m.member && m.admin
}

// A whole new indexer set (room/indexers): an odd number from 1 to
// MAX_INDEXERS of distinct members, asked for by an admin.
export function checkIndexerSet (members: RoleMember[], actor: string, proposed: string[]): string | null {
  if (!isAdmin(members, actor)) return 'only an admin can choose the indexers'
  if (new Set(proposed).size !== proposed.length) return 'an indexer is named twice'
  if (proposed.length < 1 || proposed.length > MAX_INDEXERS) return `a room has 1 to ${MAX_INDEXERS} indexers`
  if (proposed.length % 2 === 0) return `an even number of indexers settles no more often than one fewer (${proposed.length} need ${quorum(proposed.length)} online): pick ${proposed.length - 1} or ${proposed.length + 1}`
  for (const key of proposed) {
    const m = find(members, key)
    if (m === null || !m.member) return `${key.slice(0, 12)} is not a member`
  }
  return null
}

// The host calls that move the indexers from `from` to `to`, in this order:
// promotions first, so the set is never empty in between.
export function indexerChanges (from: string[], to: string[]): { promote: string[], demote: string[] } {
  return { promote: to.filter(k => !from.includes(k)), demote: from.filter(k => !to.includes(k)) }
}

// Whether `actor` may remove `target`: an admin removes any other member
// (admins included) as long as an admin remains; any member may leave
// (actor === target) unless it is the last admin.
export function checkRemove (members: RoleMember[], actor: string, target: string): string | null {
  const t = find(members, target)
  if (t === null || !t.member) return `${target.slice(0, 12)} is not a member`
  if (actor !== target && !isAdmin(members, actor)) return 'only an admin can remove another member'
  if (t.admin && admins(members).length === 1) return 'the last admin cannot be removed: make another member an admin first'
  if (indexersAfterRemoval(members, target) === null) return 'the only indexer cannot be removed: make another member an indexer first'
  return null
}

// The indexer set once `target` is gone: unchanged if it was not an indexer;
// otherwise it is replaced by the first member by rank (admins first) that is
// not an indexer, or, with none, the set drops to the next smaller odd size
// keeping its first members. Null when `target` is the only indexer.
export function indexersAfterRemoval (members: RoleMember[], target: string): string[] | null {
  const current = indexers(members)
  if (!current.includes(target)) return current
  const rest = current.filter(k => k !== target)
  if (rest.length === 0) return null
  const candidates = members.filter(m => m.member && !m.indexer && m.key !== target).sort((a, b) => Number(b.admin) - Number(a.admin) || byRank(a, b))
  if (candidates.length > 0) return [...rest, candidates[0]!.key]
  return rest.slice(0, rest.length % 2 === 1 ? rest.length : rest.length - 1)
}

// Making a member an admin, or no longer one.
export function checkAdmin (members: RoleMember[], actor: string, target: string, admin: boolean): string | null {
  if (!isAdmin(members, actor)) return 'only an admin can change who is an admin'
  const t = find(members, target)
  if (t === null || !t.member) return `${target.slice(0, 12)} is not a member`
  if (!admin && t.admin && admins(members).length === 1) return 'the last admin stays an admin: make another member an admin first'
  return null
}

// What `room info` says of the indexers.
export function describeIndexers (n: number): string {
  if (n <= 1) return 'settles only while that indexer is online'
  return `settles while ${quorum(n)} of ${n} are online (${tolerates(n)} may be away)`
}
