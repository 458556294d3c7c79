import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { BATCH_TYPE, type EntryResult, type ReadableEntry, decodeEntry, isUnreadable } from '../entries.js'
import { decodeBlock } from '../feed/pack.js'
import { toHex } from '../keys.js'
import { type KV, placeBlock } from '../chain/fork-choice.js'
import { DEFAULT_ROOM_DIFFICULTY } from './constants.js'
import { applyAdmin, applyIndexers, applyRemove } from './apply-roles.js'
import { verifyJoin } from './invites.js'
import { inviteState, mayRevoke, readValidFor } from './invite-rules.js'
import { ROOM_KEYS, addSeals, epochKey, isBoxKey, startRoomEpoch } from './epochs.js'
import { SEALED_TYPE, parseSealed } from './sealed-entries.js'
import { DEFAULT_STAMP_BITS, MAX_STAMP_BITS, verifyStamp } from './join-stamp.js'
import {
  CONFIG, MAX_ROOM_MIRRORS, MIRRORS, ROOM_ADMIN, ROOM_CREATE, ROOM_INDEXERS, ROOM_INVITE, ROOM_JOIN, ROOM_MIRROR, ROOM_REMOVE, ROOM_UNINVITE,
  type InviteRecord, type MirrorsRecord, type MemberRecord, type RoomConfig, type RoomView,
  MEMBERS, type StateValue, inviteKey, inviteTerms, isAdmin, isRoomType, memberKey
} from './state.js'

const NICK_MAX = 64
const HEX64 = /^[0-9a-f]{64}$/

type Batch = Hyperbee.Batch<StateValue>

// No clocks, no randomness, nothing read but the nodes and the view: every
// member computes the same view from the same nodes, in any arrival order.
export async function applyRoom (nodes: Autobase.Node[], view: RoomView, host: Autobase.Host, roomKey: Buffer): Promise<void> {
  const state = view.state.batch()
  const creator = toHex(roomKey)
  for (const node of nodes) {
    if (node.value === null) continue
    const author = toHex(node.from.key)
    const authorSeq = node.length - 1
    const r = decodeEntry(authorSeq, node.value)
    const type = isUnreadable(r) ? null : r.value.type
    const member = (await state.get(memberKey(author)))?.value as MemberRecord | undefined
    if (member === undefined || member.removed !== null) {
      if (type === ROOM_CREATE && author === creator && (await state.get(CONFIG)) === null) await create(state, view, r, author)
      else if (type === ROOM_JOIN && member === undefined) await join(state, view, host, r, node.from.key, roomKey)
      continue
    }
    if (type === ROOM_INVITE) await invite(state, view, r, author)
    else if (type === ROOM_UNINVITE) await uninvite(state, view, r, author)
    else if (type === ROOM_REMOVE || type === ROOM_INDEXERS || type === ROOM_ADMIN) await roles(state, view, host, r, author)
    else if (type === ROOM_KEYS && !isUnreadable(r)) await addSeals(state, r.value, author, await allMembers(state))
    else if (type === SEALED_TYPE) await sealed(state, view, author, await entryNumber(state, author, authorSeq), r)
    else if (type === ROOM_MIRROR) await mirror(state, view, r, author)
    else if (type === BATCH_TYPE) await unpack(state, view, author, authorSeq, node.value)
    else if (type === null || !isRoomType(type)) await post(state, view, author, await entryNumber(state, author, authorSeq), r)
  }
  await state.flush()
}

async function create (state: Batch, view: RoomView, r: EntryResult, author: string): Promise<void> {
  if (isUnreadable(r)) return
  const d = r.value.difficulty
  const config: RoomConfig = { creator: author, difficulty: Number.isInteger(d) && (d as number) >= 0 && (d as number) <= 32 ? d as number : DEFAULT_ROOM_DIFFICULTY }
  const bits = r.value.stampBits
  if (r.value.open === true) Object.assign(config, { open: true, stampBits: Number.isInteger(bits) && (bits as number) >= 0 && (bits as number) <= MAX_STAMP_BITS ? bits : DEFAULT_STAMP_BITS })
  await state.put(CONFIG, config)
  await state.put(memberKey(author), { key: author, nick: nickOf(r.value.nick), invitedBy: null, since: view.log.length, removed: null, admin: true, indexer: true, box: boxOf(r.value.box) } satisfies MemberRecord)
  await startRoomEpoch(state, r.value, author, view.log.length)
  await log(view, author, r.seq, r)
}

async function join (state: Batch, view: RoomView, host: Autobase.Host, r: EntryResult, writer: Buffer, roomKey: Buffer): Promise<void> {
  if (isUnreadable(r)) return
  if (r.value.invite === undefined) return joinOpen(state, view, host, r, writer, roomKey)
  const { invite: publicKey, signature } = r.value
  if (typeof publicKey !== 'string' || typeof signature !== 'string') return
  const stored = (await state.get(inviteKey(publicKey)))?.value as InviteRecord | undefined
  if (stored === undefined) return
  const record = inviteTerms(stored)
  const maker = (await state.get(memberKey(record.by)))?.value as MemberRecord | undefined
  if (inviteState(record, { length: view.log.length, makerIsMember: maker !== undefined && maker.removed === null }) !== 'open') return
  if (!verifyJoin(publicKey, roomKey, writer, signature)) return
  const author = toHex(writer)
  await host.addWriter(writer, { indexer: false })
  await state.put(inviteKey(publicKey), { ...record, usedBy: author } satisfies InviteRecord)
  await state.put(memberKey(author), { key: author, nick: nickOf(r.value.nick), invitedBy: record.by, since: view.log.length, removed: null, admin: false, indexer: false, box: boxOf(r.value.box) } satisfies MemberRecord)
  await log(view, author, r.seq, r)
}

// An open room: no invite, a stamp of work bound to this writer in this room.
async function joinOpen (state: Batch, view: RoomView, host: Autobase.Host, r: ReadableEntry, writer: Buffer, roomKey: Buffer): Promise<void> {
  const config = (await state.get(CONFIG))?.value as RoomConfig | undefined
  if (config?.open !== true || !verifyStamp(roomKey, writer, r.value.stamp, config.stampBits ?? DEFAULT_STAMP_BITS)) return
  const author = toHex(writer)
  await host.addWriter(writer, { indexer: false })
  await state.put(memberKey(author), { key: author, nick: nickOf(r.value.nick), invitedBy: null, open: true, since: view.log.length, removed: null, admin: false, indexer: false, box: boxOf(r.value.box) } satisfies MemberRecord)
  await log(view, author, r.seq, r)
}

async function invite (state: Batch, view: RoomView, r: EntryResult, author: string): Promise<void> {
  if (isUnreadable(r)) return
  const publicKey = r.value.publicKey
  const terms = readValidFor(r.value.validFor)
  if (typeof publicKey !== 'string' || !HEX64.test(publicKey) || terms === null) return
  if ((await state.get(inviteKey(publicKey))) !== null) return
  await state.put(inviteKey(publicKey), { by: author, at: view.log.length, validFor: terms.validFor, usedBy: null, revoked: null } satisfies InviteRecord)
}

async function uninvite (state: Batch, view: RoomView, r: EntryResult, author: string): Promise<void> {
  if (isUnreadable(r) || typeof r.value.invite !== 'string') return
  const stored = (await state.get(inviteKey(r.value.invite)))?.value as InviteRecord | undefined
  if (stored === undefined) return
  const record = inviteTerms(stored)
  if (record.usedBy !== null || record.revoked !== null) return
  const self = (await state.get(memberKey(author)))?.value as MemberRecord | undefined
  if (self === undefined || !mayRevoke(record, { key: author, admin: isAdmin(self), member: true })) return
  await state.put(inviteKey(r.value.invite), { ...record, revoked: { by: author, seq: view.log.length } } satisfies InviteRecord)
}

// Autobase gives apply no later entry of a removed writer.
async function roles (state: Batch, view: RoomView, host: Autobase.Host, r: EntryResult, author: string): Promise<void> {
  if (isUnreadable(r)) return
  const v = r.value
  const done = v.type === ROOM_REMOVE
    ? await applyRemove(state, host, author, v.member, view.log.length, v.epoch)
    : v.type === ROOM_INDEXERS ? await applyIndexers(state, host, author, v.indexers) : await applyAdmin(state, author, v.member, v.admin)
  if (done) await log(view, author, r.seq, r)
}

// The creator names the room's mirrors; every member asks each to keep the room.
async function mirror (state: Batch, view: RoomView, r: EntryResult, author: string): Promise<void> {
  if (isUnreadable(r)) return
  const config = (await state.get(CONFIG))?.value as RoomConfig | undefined
  const key = r.value.mirror
  if (config === undefined || author !== config.creator || typeof key !== 'string' || !HEX64.test(key)) return
  const keys = ((await state.get(MIRRORS))?.value as MirrorsRecord | undefined)?.keys ?? []
  if (keys.includes(key) || keys.length >= MAX_ROOM_MIRRORS) return
  await state.put(MIRRORS, { keys: [...keys, key] } satisfies MirrorsRecord)
  await log(view, author, r.seq, r)
}

async function post (state: Batch, view: RoomView, author: string, authorSeq: number, r: EntryResult): Promise<void> {
  const seq = view.log.length
  await log(view, author, authorSeq, r)
  if (!isUnreadable(r) && r.value.type === 'block') {
    const config = (await state.get(CONFIG))?.value as RoomConfig | undefined
    await placeBlock(state as unknown as KV, r.value, { author, authorSeq, seq, minDifficulty: config?.difficulty ?? DEFAULT_ROOM_DIFFICULTY })
  }
}

// Apply cannot open it (it holds no key): it checks its shape and that its
// epoch is one of the room's; members open it when they read.
async function sealed (state: Batch, view: RoomView, author: string, authorSeq: number, r: EntryResult): Promise<void> {
  const parsed = parseSealed(isUnreadable(r) ? null : r.value)
  const known = !('error' in parsed) && (await state.get(epochKey(parsed.epoch))) !== null
  const error = 'error' in parsed ? parsed.error : known ? null : 'sealed with an epoch this room never started'
  await post(state, view, author, authorSeq, error === null ? r : { seq: r.seq, unreadable: error })
}

async function allMembers (state: Batch): Promise<MemberRecord[]> {
  const out: MemberRecord[] = []
  for await (const { value } of state.createReadStream(MEMBERS)) out.push(value as MemberRecord)
  return out
}

const boxOf = (v: unknown) => isBoxKey(v) ? v : null

// A member's entries are numbered as in its core read as a feed: a packed
// block's entries count one each.
async function unpack (state: Batch, view: RoomView, author: string, block: number, raw: Buffer): Promise<void> {
  const first = await entryNumber(state, author, block)
  const content = decodeBlock(first, raw)
  const entries = content.kind === 'batch' ? content.entries : [content.result]
  for (const r of entries) {
    if (!isUnreadable(r) && isRoomType(r.value.type)) continue // membership is never packed
    await post(state, view, author, r.seq, r)
  }
  await state.put(countKey(author), { block: block + 1, entries: first + entries.length } satisfies EntryCount)
}

async function entryNumber (state: Batch, author: string, block: number): Promise<number> {
  const count = (await state.get(countKey(author)))?.value as EntryCount | undefined
  return count === undefined ? block : count.entries + (block - count.block)
}

interface EntryCount {
  // entries before block `block` of the member's core
  block: number
  entries: number
}
const countKey = (author: string) => 'n/' + author

async function log (view: RoomView, author: string, authorSeq: number, r: EntryResult): Promise<void> {
  const head = `{"author":"${author}","authorSeq":${authorSeq},`
  if (isUnreadable(r)) {
    await view.log.append(Buffer.from(head + `"error":${JSON.stringify(r.unreadable)}}`))
    return
  }
  let value: string
  try {
    value = r.raw ?? JSON.stringify(r.value)
  } catch {
    await view.log.append(Buffer.from(head + '"error":"entry too deeply nested to print"}'))
    return
  }
  await view.log.append(Buffer.from(head + `"value":${value}}`))
}

function nickOf (nick: unknown): string {
  return typeof nick === 'string' && nick.length > 0 ? nick.slice(0, NICK_MAX) : 'anonymous'
}

