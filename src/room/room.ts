import type { Duplex } from 'node:stream'
import Autobase from 'autobase'
import Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type Entry, encodeEntry, isObject } from '../entries.js'
import { inviteUsed, invalidEntry, noEncryptionKey, noInviter, notAMember, notApplied, notCreator, notMember, notOpen, removeCreator, removed } from '../errors.js'
import type { Store } from '../storage.js'
import { toHex } from '../keys.js'
import { firstOf, sleep, until } from '../wait.js'
import { hintWakeup, peersContiguousLength, viewKeys } from '../internals.js'
import { applyRoom } from './apply.js'
import { DEFAULT_ROOM_DIFFICULTY } from './constants.js'
import { type RoomInvite, formatInvite, invitePublicKey, newInvite, signJoin } from './invites.js'
import { type CoreList, type CoresChannel, openCoresChannel } from './cores-channel.js'
import { RoomFollower, type RoomEntry, type RoomFollowOptions, readRecords } from './follow.js'
import {
  CONFIG, MEMBERS, ROOM_CREATE, ROOM_INVITE, ROOM_JOIN, ROOM_REMOVE, type InviteRecord, type MemberRecord, type RoomConfig, type RoomView,
  type StateValue, inviteKey, isRoomType, memberKey
} from './state.js'

const NAMESPACE = 'hyperfeed-room'
// the longest a member waits for what it posted to take effect in its own view
const SETTLE_TIMEOUT = 30_000
// how long sync waits for connected peers to list the room's cores
const LIST_WAIT = 2000

export interface RoomOptions {
  // the room's key (null: a new room, this store its creator)
  key?: Buffer | null
  // what the room's content is encrypted with (from an invite; kept once known)
  encryptionKey?: Buffer | null
  // close `store` with the room
  ownsStore?: boolean
  // runs while the room is still open, before it closes
  beforeClose?: ((room: Room) => Promise<void>) | null
}

export interface Member extends MemberRecord {
  // this storage's own writer
  self: boolean
}

export interface RoomInfo {
  key: string
  discoveryKey: string
  writer: string
  creator: string | null
  difficulty: number | null
  length: number
  signedLength: number
  member: boolean
  members: Member[]
}

// A room: many writers, one history. Each member appends to a core of its
// own; Autobase orders all of them into one log that every member computes
// alike (apply.ts decides what enters it). Content is encrypted: reading takes
// the room's encryption key, which invites carry.
export class Room extends ReadyResource {
  readonly store: Store
  private readonly roomKey: Buffer | null
  private readonly encryption: Buffer | null
  private readonly ownsStore: boolean
  private readonly beforeClose: ((room: Room) => Promise<void>) | null
  private autobase: Autobase<RoomView> | null = null
  // writer cores this copy knows of, and sessions on every room core it has
  private readonly writerKeys = new Map<string, Buffer>()
  private readonly watched = new Map<string, Hypercore>()
  // blocks (and bytes) of the room's cores sent to and received from peers
  readonly transfer = { uploaded: { blocks: 0, bytes: 0 }, downloaded: { blocks: 0, bytes: 0 } }
  // the append in flight on this member's core (appendLocal)
  private appending: Promise<unknown> = Promise.resolve()
  // open cores channels, with the last list each peer sent
  private readonly channels = new Map<CoresChannel, CoreList | null>()

  constructor (store: Store, { key = null, encryptionKey = null, ownsStore = false, beforeClose = null }: RoomOptions = {}) {
    super()
    this.store = store
    this.roomKey = key
    this.encryption = encryptionKey
    this.ownsStore = ownsStore
    this.beforeClose = beforeClose
  }

  // A new room in `store`, with this store as its creator and first member.
  static async create (store: Store, { nick, difficulty = DEFAULT_ROOM_DIFFICULTY, ...opts }: { nick: string, difficulty?: number } & Omit<RoomOptions, 'key' | 'encryptionKey'>): Promise<Room> {
    const room = new Room(store, { ...opts, key: null, encryptionKey: crypto.randomBytes(32) })
    try {
      await room.ready()
      await room.appendLocal([encodeEntry({ type: ROOM_CREATE, nick, difficulty })])
      if (!(await room.until(() => room.isMember(), Date.now() + SETTLE_TIMEOUT))) throw notApplied('the new room', SETTLE_TIMEOUT)
    } catch (err) {
      await room.close()
      throw err
    }
    return room
  }

  get base (): Autobase<RoomView> {
    if (this.autobase === null) throw notOpen('the room')
    return this.autobase
  }

  protected override async _open (): Promise<void> {
    let key: Buffer | null = null
    const base: Autobase<RoomView> = new Autobase(this.store.corestore.namespace(NAMESPACE), this.roomKey, {
      open: (store) => ({
        log: store.get('log'),
        state: new Hyperbee<StateValue>(store.get('state'), { keyEncoding: 'utf-8', valueEncoding: 'json', extension: false })
      }),
      apply: (nodes, view, host) => applyRoom(nodes, view, host, key ?? base.key),
      valueEncoding: 'binary',
      // joins come as optimistic entries from writers that are not members yet
      optimistic: true,
      encryptionKey: this.encryption
    })
    // apply never throws on content; what reaches here is a storage or protocol fault
    base.on('error', (err: Error) => this.emit('warning', err))
    base.on('update', () => {
      this.refreshCoreKeys().catch(safetyCatch)
      this.emit('update')
    })
    try {
      await base.ready()
      key = base.key
      await base.view.state.ready()
    } catch (err) {
      await base.close().catch(safetyCatch)
      if (this.ownsStore) await this.store.close()
      throw err
    }
    this.autobase = base
    await this.refreshCoreKeys()
  }

  protected override async _close (): Promise<void> {
    if (this.autobase !== null) await this.beforeClose?.(this).catch(safetyCatch)
    await Promise.all([...this.watched.values()].map(core => core.close().catch(safetyCatch)))
    await this.autobase?.close()
    if (this.ownsStore) await this.store.close()
  }

  get key (): Buffer { return this.base.key }
  get discoveryKey (): Buffer { return this.base.discoveryKey }
  get encryptionKey (): Buffer | null { return this.base.encryptionKey }
  // this storage's writer core in the room (its member key once it joins)
  get writerKey (): Buffer { return this.base.local.key }
  get log (): Hypercore { return this.base.view.log }
  get length (): number { return this.log.length }
  // entries before this are ordered for good (acknowledged by the indexer)
  get signedLength (): number { return this.log.signedLength ?? 0 }

  private get state (): Hyperbee<StateValue> { return this.base.view.state }

  replicate (stream: Duplex): void {
    this.base.replicate(stream)
    const channel = openCoresChannel(stream, this.discoveryKey, {
      list: () => this.coreList(),
      onList: (list) => this.heard(channel!, list)
    })
    if (channel === null) return
    this.channels.set(channel, null)
    stream.once('close', () => this.channels.delete(channel))
  }

  // The room's cores as this copy has them: writer cores (the creator's, every
  // member's, and this storage's own even before it joins) and view cores.
  private coreList (): CoreList {
    const writers = [...this.writerKeys.values()].map(key => ({ key, length: this.watched.get(toHex(key))?.length ?? 0 }))
    const views = viewKeys(this.base)
    return { writers, views }
  }

  // A peer's list: writers it names that we have not heard of (a join that
  // has not reached us another way) are handed to Autobase to look at.
  private heard (channel: CoresChannel, list: CoreList): void {
    this.channels.set(channel, list)
    const own = toHex(this.writerKey)
    const hints = list.writers.filter(w => toHex(w.key) !== own)
    if (hints.length > 0) hintWakeup(this.base, hints)
    this.emit('heard')
  }

  private async refreshCoreKeys (): Promise<void> {
    const before = this.writerKeys.size
    this.writerKeys.set(toHex(this.key), this.key)
    this.writerKeys.set(toHex(this.writerKey), this.writerKey)
    for (const m of await this.members()) this.writerKeys.set(m.key, Buffer.from(m.key, 'hex'))
    for (const [hex, key] of this.writerKeys) if (!this.watched.has(hex)) this.watch(hex, key)
    for (const key of viewKeys(this.base)) if (!this.watched.has(toHex(key))) this.watch(toHex(key), key)
    if (this.writerKeys.size === before) return
    const list = this.coreList()
    for (const channel of this.channels.keys()) channel.send(list)
  }

  // Counts what this copy sends and receives of the room's cores.
  private watch (hex: string, key: Buffer): void {
    const core = this.store.corestore.get({ key, active: false })
    this.watched.set(hex, core)
    core.on('upload', (_index: number, bytes: number) => { this.transfer.uploaded.blocks++; this.transfer.uploaded.bytes += bytes })
    core.on('download', (_index: number, bytes: number) => { this.transfer.downloaded.blocks++; this.transfer.downloaded.bytes += bytes })
  }

  findingPeers (): () => void {
    return this.store.corestore.findingPeers()
  }

  async config (): Promise<RoomConfig | null> {
    return ((await this.state.get(CONFIG))?.value as RoomConfig | undefined) ?? null
  }

  async member (key: Buffer | string): Promise<MemberRecord | null> {
    const hex = typeof key === 'string' ? key : toHex(key)
    return ((await this.state.get(memberKey(hex)))?.value as MemberRecord | undefined) ?? null
  }

  async members (): Promise<Member[]> {
    const self = toHex(this.writerKey)
    const out: Member[] = []
    for await (const { value } of this.state.createReadStream(MEMBERS)) {
      const m = value as MemberRecord
      out.push({ ...m, self: m.key === self })
    }
    return out.sort((a, b) => a.since - b.since)
  }

  // Whether this storage is a member now (joined and not removed).
  async isMember (): Promise<boolean> {
    const m = await this.member(this.writerKey)
    return m !== null && m.removed === null
  }

  async invite (publicKey: string): Promise<InviteRecord | null> {
    return ((await this.state.get(inviteKey(publicKey)))?.value as InviteRecord | undefined) ?? null
  }

  async info (): Promise<RoomInfo> {
    const config = await this.config()
    const members = await this.members()
    const self = toHex(this.writerKey)
    return {
      key: toHex(this.key),
      discoveryKey: toHex(this.discoveryKey),
      writer: self,
      creator: config?.creator ?? null,
      difficulty: config?.difficulty ?? null,
      length: this.length,
      signedLength: this.signedLength,
      member: members.some(m => m.self && m.removed === null),
      members
    }
  }

  // Posts entries as this member, in order, all or nothing (the room's
  // LineInput target). seq is the first entry's position in this member's own
  // core: (writer key, seq) names an entry for good, whatever the room order.
  async append (entries: Entry[], encoded?: Buffer[]): Promise<{ seq: number, length: number }> {
    for (const e of entries) if (isRoomType(e.type)) throw invalidEntry(`"${e.type}" entries are the room's own; post other types`)
    const blocks = encoded?.length === entries.length ? encoded : entries.map(encodeEntry)
    return this.appendLocal(blocks, undefined, async () => {
      if (!(await this.isMember())) throw notMember(toHex(this.key))
    })
  }

  // Every append to this member's core goes through here, one at a time and
  // in call order, so the seq each reports is where its first block landed.
  private appendLocal (blocks: Buffer[], opts?: { optimistic: boolean }, check?: () => Promise<void>): Promise<{ seq: number, length: number }> {
    const run = this.appending.then(async () => {
      await check?.()
      const seq = this.base.local.length
      if (blocks.length > 0) await this.base.append(blocks, opts)
      return { seq, length: this.base.local.length }
    })
    this.appending = run.catch(safetyCatch)
    return run
  }

  // A fresh invite: the room learns its public key from this member's core,
  // so any member who has synced with this one can let its holder in.
  async createInvite (): Promise<string> {
    if (!(await this.isMember())) throw notMember(toHex(this.key))
    const encryptionKey = this.encryptionKey
    if (encryptionKey === null) throw noEncryptionKey()
    const invite = newInvite(this.key, encryptionKey)
    const publicKey = invitePublicKey(invite)
    await this.appendLocal([encodeEntry({ type: ROOM_INVITE, publicKey })])
    await this.settled(async () => (await this.invite(publicKey)) !== null, 'the invite')
    return formatInvite(invite)
  }

  // The creator removes a member: its later entries never enter the room.
  async remove (memberHex: string): Promise<MemberRecord> {
    const key = memberHex.toLowerCase()
    const config = await this.config()
    if (config === null || config.creator !== toHex(this.writerKey)) throw notCreator()
    if (key === config.creator) throw removeCreator()
    const member = await this.member(key)
    if (member === null) throw notAMember(key)
    if (member.removed !== null) return member
    await this.appendLocal([encodeEntry({ type: ROOM_REMOVE, member: key })])
    await this.settled(async () => (await this.member(key))?.removed !== null, 'the removal')
    return (await this.member(key))!
  }

  // Asks to join with an invite (the network must be joined already). Waits
  // until the room (with this invite in it) arrives from a member, then posts
  // the join, signed with the invite, and waits until a peer has taken it.
  // Fails with NO_MEMBER when no member that knows the invite is reachable in
  // time, INVITE_USED when the invite has let someone in already.
  async join (invite: RoomInvite, { nick, timeout, signal }: { nick: string, timeout: number, signal?: AbortSignal }): Promise<MemberRecord> {
    const self = await this.member(this.writerKey)
    if (self !== null && self.removed === null) return self
    if (self !== null) throw removed()
    const publicKey = invitePublicKey(invite)
    const deadline = Date.now() + timeout
    const known = await this.until(async () => (await this.invite(publicKey)) !== null, deadline, signal)
    if (!known) {
      throw noInviter(toHex(this.key), timeout)
    }
    // all that connected members have, so a use of the invite shows up
    await this.sync({ timeout: Math.max(0, deadline - Date.now()) })
    await this.refuseUsed(publicKey)
    const entry = { type: ROOM_JOIN, invite: publicKey, nick, signature: signJoin(invite, this.writerKey) }
    const { seq: at } = await this.appendLocal([encodeEntry(entry)], { optimistic: true })
    // the join is ours to know at once; it counts once a member has it
    await this.delivered(at, Math.max(0, deadline - Date.now()), signal)
    await this.sync({ timeout: Math.max(0, deadline - Date.now()) })
    if (!(await this.isMember())) await this.refuseUsed(publicKey)
    return (await this.member(this.writerKey))!
  }

  private async refuseUsed (publicKey: string): Promise<void> {
    const record = await this.invite(publicKey)
    if (record === null || record.usedBy === null || record.usedBy === toHex(this.writerKey)) return
    const by = await this.member(record.usedBy)
    throw inviteUsed(by?.nick ?? record.usedBy.slice(0, 12))
  }

  // Waits until a peer has downloaded this member's entry `authorSeq` (it has
  // left this machine). False after `timeout` ms.
  async delivered (authorSeq: number, timeout: number, signal?: AbortSignal): Promise<boolean> {
    const local = this.base.local
    if (peersContiguousLength(local) > authorSeq) return true
    return firstOf([{ emitter: local, event: 'upload', value: (index: number) => index === authorSeq ? true : undefined }], { timeout, signal })
  }

  // Entries [start, end) in the room's current order.
  async read (start: number, end: number): Promise<RoomEntry[]> {
    for (;;) {
      const fork = this.log.fork
      const out = await readRecords(this.log, start, Math.min(end, this.log.length))
      if (this.log.fork === fork) return out
    }
  }

  // Entries from `start` in room order, then (live) new ones as they come.
  // When concurrent entries reorder the room, entries already given out are
  // not given again: (author, authorSeq) comes out once.
  follow (opts: RoomFollowOptions = {}): RoomFollower {
    return new RoomFollower(this.log, opts)
  }

  // Waits up to `timeout` ms for a connected peer that has the room (any
  // copy has the creator's core, the one the room's key names).
  async findPeer (timeout: number, signal?: AbortSignal): Promise<boolean> {
    const core = this.store.corestore.get({ key: this.key })
    try {
      await core.ready()
      if (core.peers.length > 0) return true
      return await firstOf([{ emitter: core, event: 'peer-add' }], { timeout, signal })
    } finally {
      await core.close().catch(safetyCatch)
    }
  }

  // Brings this copy up to date with what connected peers have: asks each
  // for the room's cores it holds, downloads every writer core to the longest
  // length a peer has, and applies it. Call once a peer is connected; false
  // when the peers did not answer, or the download did not finish, in time.
  async sync ({ timeout = 10_000 }: { timeout?: number } = {}): Promise<boolean> {
    const deadline = Date.now() + timeout
    const asked = Date.now()
    for (const channel of this.channels.keys()) {
      this.channels.set(channel, null)
      channel.request()
    }
    // every open channel answers (a peer without the room never opens one)
    await until(() => [...this.channels.values()].every(list => list !== null), [{ emitter: this, event: 'heard' }], { timeout: Math.min(deadline, asked + LIST_WAIT) - Date.now() })
    let seen = ''
    for (;;) {
      const targets = new Map<string, { key: Buffer, length: number }>()
      for (const list of this.channels.values()) {
        for (const w of list?.writers ?? []) {
          const hex = toHex(w.key)
          if ((targets.get(hex)?.length ?? -1) < w.length) targets.set(hex, w)
        }
      }
      for (const m of await this.members()) if (!targets.has(m.key)) targets.set(m.key, { key: Buffer.from(m.key, 'hex'), length: -1 })
      const complete = await Promise.all([...targets.values()].map(t => this.updateCore(t.key, t.length, deadline)))
      await this.base.update()
      const now = JSON.stringify([this.length, (await this.members()).length])
      if (now === seen && complete.every(Boolean)) return true
      seen = now
      if (Date.now() > deadline) return false
    }
  }

  // Downloads a writer core to `length` (-1: to what peers have now).
  private async updateCore (key: Buffer, length: number, deadline: number): Promise<boolean> {
    const core = this.store.corestore.get({ key })
    try {
      await core.ready()
      const left = () => Math.max(0, deadline - Date.now())
      if (length < 0 || core.length < length) await Promise.race([core.update({ wait: true }), sleep(left())])
      const end = Math.max(core.length, length)
      if (core.contiguousLength < end) await Promise.race([core.download({ start: core.contiguousLength, end }).done(), sleep(left())])
      if (length > 0) hintWakeup(this.base, [{ key, length }])
      return core.contiguousLength >= end
    } catch (err) {
      safetyCatch(err)
      return false
    } finally {
      await core.close().catch(safetyCatch)
    }
  }

  // Resolves once `check` holds (what this member just posted took effect),
  // re-checked as the view changes; fails when this member is removed first
  // (what it posted after that never enters the room) or after SETTLE_TIMEOUT.
  private async settled (check: () => Promise<boolean>, what: string): Promise<void> {
    const done = await this.until(async () => (await check()) || !(await this.isMember()), Date.now() + SETTLE_TIMEOUT)
    if (done && await check()) return
    if (!(await this.isMember())) throw notMember(toHex(this.key))
    throw notApplied(what, SETTLE_TIMEOUT)
  }

  // Whether `check` holds by `deadline`, checked again each time the view changes.
  private async until (check: () => Promise<boolean>, deadline: number, signal?: AbortSignal): Promise<boolean> {
    await this.base.update().catch(safetyCatch)
    return until(check, [{ emitter: this, event: 'update' }], { timeout: deadline - Date.now(), signal })
  }
}

export function isRoomEntry (value: unknown): value is Entry {
  return isObject(value) && typeof value.type === 'string'
}

