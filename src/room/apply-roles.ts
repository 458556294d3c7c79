import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { type RoleMember, checkAdmin, checkIndexerSet, checkRemove, indexerChanges, indexers, indexersAfterRemoval } from './roles.js'
import { epochFollows, nextEpoch } from './epochs.js'
import { MEMBERS, type MemberRecord, type StateValue, memberKey, roleOf } from './state.js'

// The parts of apply that change who may do what: removals, admins and the
// indexer set. Each returns whether the entry took effect (and so is logged).
type Batch = Hyperbee.Batch<StateValue>

async function roleMembers (state: Batch): Promise<{ records: Map<string, MemberRecord>, members: RoleMember[] }> {
  const records = new Map<string, MemberRecord>()
  const members: RoleMember[] = []
  for await (const { value } of state.createReadStream(MEMBERS)) {
    const m = value as MemberRecord
    records.set(m.key, m)
    members.push(roleOf(m))
  }
  return { records, members }
}

// Promotions first, so the set is never empty in between.
async function moveIndexers (state: Batch, host: Autobase.Host, records: Map<string, MemberRecord>, from: string[], to: string[]): Promise<void> {
  const { promote, demote } = indexerChanges(from, to)
  for (const key of promote) {
    await host.addWriter(Buffer.from(key, 'hex'), { indexer: true })
    await state.put(memberKey(key), { ...records.get(key)!, indexer: true } satisfies MemberRecord)
  }
  for (const key of demote) {
    await host.addWriter(Buffer.from(key, 'hex'), { indexer: false })
    await state.put(memberKey(key), { ...records.get(key)!, indexer: false } satisfies MemberRecord)
  }
}

// A removal in a sealed room starts the next epoch (`epoch`: its key sealed to
// the members who stay); one that does not follow the current epoch is refused
// before anything changes.
export async function applyRemove (state: Batch, host: Autobase.Host, author: string, target: unknown, seq: number, epoch: unknown): Promise<boolean> {
  if (typeof target !== 'string') return false
  const { records, members } = await roleMembers(state)
  if (checkRemove(members, author, target) !== null) return false
  if (!(await epochFollows(state, epoch))) return false
  const key = Buffer.from(target, 'hex')
  const before = indexers(members)
  const after = indexersAfterRemoval(members, target)
  if (after === null) return false
  await moveIndexers(state, host, records, before.filter(k => k !== target), after.filter(k => k !== target))
  if (!host.removeable(key)) return false
  const gone = { ...records.get(target)!, indexer: false, admin: false, removed: { by: author, seq } } satisfies MemberRecord
  const rest = [...records.values()].map(m => m.key === target ? gone : m)
  await nextEpoch(state, epoch, author, seq, rest)
  await host.removeWriter(key)
  await state.put(memberKey(target), gone)
  return true
}

export async function applyIndexers (state: Batch, host: Autobase.Host, author: string, proposed: unknown): Promise<boolean> {
  if (!Array.isArray(proposed) || !proposed.every(k => typeof k === 'string')) return false
  const { records, members } = await roleMembers(state)
  if (checkIndexerSet(members, author, proposed) !== null) return false
  await moveIndexers(state, host, records, indexers(members), proposed)
  return true
}

export async function applyAdmin (state: Batch, author: string, target: unknown, admin: unknown): Promise<boolean> {
  if (typeof target !== 'string' || typeof admin !== 'boolean') return false
  const { records, members } = await roleMembers(state)
  if (checkAdmin(members, author, target, admin) !== null) return false
  await state.put(memberKey(target), { ...records.get(target)!, admin } satisfies MemberRecord)
  return true
}
