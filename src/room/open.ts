import { HyperfeedError, alreadyMember, roomBusy, roomExists, roomNameTaken, roomNotFound, roomNotJoined, roomUnlisted } from '../errors.js'
import { type RoomSummary, Store, StorageRoot, checkRoomName } from '../storage.js'
import { toHex } from '../keys.js'
import type { RoomRef } from './invites.js'
import { ROOM_NAMESPACE, Room } from './room.js'
import { hasNamedCore, holdsBlocks } from '../internals.js'
import { checkNick } from './names.js'
import { RoomRelay } from './relay.js'

async function summarize (room: Room, joined: boolean): Promise<RoomSummary> {
  return { key: toHex(room.key), members: (await room.members()).filter(m => m.removed === null).length, length: room.length, joined }
}

async function storedSummary (store: Store): Promise<RoomSummary | 'unknown' | null> {
  if (!(await holdsBlocks(store.corestore))) return null
  const ns = store.corestore.namespace(ROOM_NAMESPACE)
  // a relay copy (room join ROOMKEY) has no writer core of its own
  if (!(await hasNamedCore(ns, 'local'))) return 'unknown'
  const local = ns.get({ name: 'local', active: false })
  await local.ready()
  const key = (await local.getUserData('referrer')) ?? local.key
  await local.close()
  const room = new Room(store, { key })
  await room.ready()
  try {
    return await summarize(room, await room.isMember())
  } finally {
    await room.close()
  }
}

async function openStore (root: StorageRoot, name: string): Promise<Store> {
  try {
    return await Store.open(root.roomDir(name))
  } catch (err) {
    if (err instanceof HyperfeedError && err.code === 'STORAGE_LOCKED') throw roomBusy(name)
    throw err
  }
}

export async function createRoom (storage: string, name: string, { nick, difficulty, open, stampBits }: { nick: string, difficulty?: number, open?: boolean, stampBits?: number }): Promise<Room> {
  checkNick(nick)
  const root = await StorageRoot.open(storage)
  checkRoomName(name)
  if ((await root.roomSummary(name)) !== null) {
    throw roomExists(name)
  }
  // no summary: an interrupted create left nothing (start again), or the
  // summary was lost (write it again, keep every block)
  const before = await openStore(root, name)
  let found
  try {
    found = await storedSummary(before)
  } finally {
    await before.close()
  }
  if (found === 'unknown') throw roomUnlisted(name, root.roomDir(name))
  if (found !== null) {
    await root.recordRoom(name, found)
    throw roomExists(name)
  }
  await root.discardRoom(name)
  const store = await openStore(root, name)
  const room = await Room.create(store, { nick, difficulty, open, stampBits, ownsStore: true, beforeClose: async (r) => root.recordRoom(name, await summarize(r, true)) })
  try {
    await root.recordRoom(name, await summarize(room, true))
  } catch (err) {
    await room.close()
    throw err
  }
  return room
}

export async function openRoom (storage: string, name: string): Promise<Room> {
  const root = await StorageRoot.open(storage, { create: false })
  checkRoomName(name)
  const summary = await root.roomSummary(name)
  if (summary === null) throw roomNotFound(name, root.dir)
  if (!summary.joined) throw roomNotJoined(name)
  const store = await openStore(root, name)
  const room = new Room(store, { key: Buffer.from(summary.key, 'hex'), ownsStore: true, beforeClose: async (r) => root.recordRoom(name, await summarize(r, true)) })
  await room.ready()
  return room
}

// fresh: made now; a failed join discards it, so the same invite works later
export async function openRoomToJoin (storage: string, name: string, ref: RoomRef): Promise<{ room: Room, fresh: boolean, joined: boolean }> {
  const root = await StorageRoot.open(storage)
  checkRoomName(name)
  const summary = await root.roomSummary(name)
  if (summary !== null && summary.key !== toHex(ref.roomKey)) {
    throw roomNameTaken(name)
  }
  const store = await openStore(root, name)
  const joined = summary?.joined === true
  const room = new Room(store, {
    key: ref.roomKey,
    encryptionKey: ref.invite?.encryptionKey ?? null,
    ownsStore: true,
    beforeClose: async (r) => { if (await r.isMember()) await root.recordRoom(name, await summarize(r, true)) },
    // recorded at once: a process killed right after joining opens as a member next time
    afterJoin: async (r) => root.recordRoom(name, await summarize(r, true))
  })
  await room.ready()
  if (summary === null) await root.recordRoom(name, { key: toHex(ref.roomKey), members: 0, length: 0, joined: false })
  return { room, fresh: summary === null, joined }
}

export async function discardRoom (storage: string, name: string): Promise<void> {
  await (await StorageRoot.open(storage)).discardRoom(name)
}

export async function listRooms (storage: string): Promise<{ name: string, summary: RoomSummary }[]> {
  const root = await StorageRoot.open(storage, { create: false }).catch(() => null)
  return root === null ? [] : root.rooms()
}

export async function openRoomRelay (storage: string, name: string, key: Buffer): Promise<RoomRelay> {
  const root = await StorageRoot.open(storage)
  checkRoomName(name)
  const summary = await root.roomSummary(name)
  if (summary !== null && summary.key !== toHex(key)) throw roomNameTaken(name)
  if (summary?.joined === true) throw alreadyMember(name)
  const store = await openStore(root, name)
  const relay = new RoomRelay(store, key, { ownsStore: true })
  try {
    await relay.ready()
    if (summary === null) await root.recordRoom(name, { key: toHex(key), members: 0, length: 0, joined: false })
  } catch (err) {
    await relay.close()
    await store.close()
    throw err
  }
  return relay
}
