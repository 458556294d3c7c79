import type Hyperbee from 'hyperbee'
import { isObject } from '../entries.js'
import { CHAINED_KEY_BYTES, SEALED_KEY_BYTES, isEpochId } from './epoch-keys.js'
import type { EpochLink } from './keyring.js'
import type { MemberRecord, StateValue } from './state.js'

// What apply records of a sealed room's epochs (docs/rooms.md, "What membership
// protects"). Apply never holds a key: it checks shapes and who may start an
// epoch, and files each sealed key under the member it is addressed to.
//   epoch                    the current epoch: { id, seq }
//   e/EPOCH                  { id, previous: { id, box } | null, seq, by }
//   k/MEMBER/EPOCH/SEALER    { sealed }   (base64url, one per sealer)
export const CURRENT_EPOCH = 'epoch'
export const ROOM_KEYS = 'room/keys'
export const epochKey = (id: string) => 'e/' + id
export const sealKeyOf = (member: string, epoch: string, sealer: string) => `k/${member}/${epoch}/${sealer}`
export const sealsOf = (member: string) => ({ gte: `k/${member}/`, lt: `k/${member}0` })
export const sealsFor = (member: string, epoch: string) => ({ gte: `k/${member}/${epoch}/`, lt: `k/${member}/${epoch}0` })
export const EPOCHS = { gte: 'e/', lt: 'e0' }

export interface CurrentEpoch {
  id: string
  // the room log's length when it started
  seq: number
}

export interface EpochRecord {
  id: string
  previous: { id: string, box: string } | null
  seq: number
  by: string
}

export interface SealRecord {
  sealed: string
}

type Batch = Hyperbee.Batch<StateValue>
const HEX64 = /^[0-9a-f]{64}$/
const B64URL = /^[A-Za-z0-9_-]+$/

export const isBoxKey = (v: unknown): v is string => typeof v === 'string' && HEX64.test(v)

function bytes (v: unknown, n: number): string | null {
  if (typeof v !== 'string' || !B64URL.test(v) || v.length > 200) return null
  return Buffer.from(v, 'base64url').length === n ? v : null
}

export async function currentEpoch (state: Pick<Hyperbee<StateValue>, 'get'> | Batch): Promise<CurrentEpoch | null> {
  return ((await state.get(CURRENT_EPOCH))?.value as CurrentEpoch | undefined) ?? null
}

// A room's first epoch, from its create entry: sealed to the creator alone.
export async function startRoomEpoch (state: Batch, value: Record<string, unknown>, creator: string, seq: number): Promise<void> {
  const e = value.epoch
  if (!isBoxKey(value.box) || !isObject(e) || !isEpochId(e.id)) return
  const sealed = bytes(e.seal, SEALED_KEY_BYTES)
  if (sealed === null) return
  await state.put(epochKey(e.id), { id: e.id, previous: null, seq, by: creator } satisfies EpochRecord)
  await state.put(CURRENT_EPOCH, { id: e.id, seq } satisfies CurrentEpoch)
  await state.put(sealKeyOf(creator, e.id, creator), { sealed } satisfies SealRecord)
}

// The epoch a removal starts: it must follow the current one (a removal that
// did not know the current epoch could hand its key to a member removed
// concurrently, so it is refused). False: the removal is refused.
export async function epochFollows (state: Batch, value: unknown): Promise<boolean> {
  const current = await currentEpoch(state)
  if (current === null) return true
  if (!isObject(value) || !isEpochId(value.id) || !isObject(value.previous) || !isObject(value.seals)) return false
  if (value.previous.id !== current.id || bytes(value.previous.box, CHAINED_KEY_BYTES) === null) return false
  return (await state.get(epochKey(value.id))) === null
}

// Records the epoch epochFollows accepted (nothing in a room without epochs).
export async function nextEpoch (state: Batch, value: unknown, by: string, seq: number, members: MemberRecord[]): Promise<boolean> {
  if (!(await epochFollows(state, value))) return false
  const current = await currentEpoch(state)
  if (current === null || !isObject(value) || !isEpochId(value.id) || !isObject(value.previous) || !isObject(value.seals)) return true
  const box = bytes(value.previous.box, CHAINED_KEY_BYTES)!
  await state.put(epochKey(value.id), { id: value.id, previous: { id: current.id, box }, seq, by } satisfies EpochRecord)
  await state.put(CURRENT_EPOCH, { id: value.id, seq } satisfies CurrentEpoch)
  await putSeals(state, value.id, value.seals, by, members)
  return true
}

// room/keys: a member hands an epoch's key to members that lack it (a newcomer,
// or one who joined while a removal was on its way).
export async function addSeals (state: Batch, value: Record<string, unknown>, by: string, members: MemberRecord[]): Promise<void> {
  if (!isEpochId(value.epoch) || !isObject(value.seals)) return
  if ((await state.get(epochKey(value.epoch))) === null) return
  await putSeals(state, value.epoch, value.seals, by, members)
}

// Only to members (not removed) with a box key: a removed member's copy of the
// state never files a key for it.
async function putSeals (state: Batch, epoch: string, seals: Record<string, unknown>, by: string, members: MemberRecord[]): Promise<void> {
  const current = new Set(members.filter(m => m.removed === null && isBoxKey(m.box)).map(m => m.key))
  for (const [member, v] of Object.entries(seals)) {
    const sealed = bytes(v, SEALED_KEY_BYTES)
    if (sealed === null || !current.has(member)) continue
    await state.put(sealKeyOf(member, epoch, by), { sealed } satisfies SealRecord)
  }
}

export function toLink (r: EpochRecord): EpochLink {
  return { id: r.id, previous: r.previous === null ? null : { id: r.previous.id, box: Buffer.from(r.previous.box, 'base64url') } }
}
