import type { Duplex } from 'node:stream'
import Autobase from 'autobase'
import Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type Entry, encodeEntry } from '../entries.js'
import { invalidEntry, noEpochKey, notApplied, notMember, notOpen } from '../errors.js'
import type { Store } from '../storage.js'
import { toHex } from '../keys.js'
import { applyRoom } from './apply.js'
import { type Appended, AppendQueue } from './append-queue.js'
import { DEFAULT_ROOM_DIFFICULTY, ROOM_ACK_INTERVAL } from './constants.js'
import { RoomCores } from './cores.js'
import { RoomFollower, type RoomEntry, type RoomFollowOptions, readOrdered } from './follow.js'
import type { RoomInvite } from './invites.js'
import { type InviteInfo, addMirror, createInvite, joinRoom, listInvites, removeMember, revokeInvite } from './membership.js'
import { checkNick } from './names.js'
import { DEFAULT_STAMP_BITS } from './join-stamp.js'
import { joinOpenRoom } from './open-join.js'
import { SETTLE_TIMEOUT, viewUntil } from './settle.js'
import {
  type InviteRecord, type Member, type MemberRecord, ROOM_CREATE, type RoomConfig, type RoomView, type StateValue,
  isRoomType, readConfig, readInvite, readInvites, readMember, readMembers, readMirrors, roleOf
} from './state.js'
import { type RoleChange, changeRoles } from './promote.js'
import { admins, indexers } from './roles.js'
import { RoomSync } from './sync.js'
import { RoomKeys } from './room-keys.js'
import { KeyDealer } from './key-dealer.js'
import type { Transfer } from './transfer.js'

export type { Member } from './state.js'
export type { InviteInfo } from './membership.js'

export const ROOM_NAMESPACE = 'hyperfeed-room'
// how long a post waits for a member to hand over the room's current key
const KEY_TIMEOUT = 30_000

export interface RoomOptions {
  // null: a new room, with this store as its creator
  key?: Buffer | null
  encryptionKey?: Buffer | null
  ownsStore?: boolean
  // runs while the room is still open, before it closes
  beforeClose?: ((room: Room) => Promise<void>) | null
  // runs once join() let this storage in, before join() returns
  afterJoin?: ((room: Room) => Promise<void>) | null
}

export interface RoomInfo {
  key: string
  discoveryKey: string
  writer: string
  creator: string | null
  difficulty: number | null
  // open rooms: the join stamp's bits; null: joining needs an invite
  stampBits: number | null
  length: number
  signedLength: number
  member: boolean
  members: Member[]
  // writer keys, earliest member first
  indexers: string[]
  admins: string[]
}

export interface CreateOptions extends Omit<RoomOptions, 'key' | 'encryptionKey'> {
  nick: string
  difficulty?: number
  open?: boolean
  stampBits?: number
}

interface Parts {
  base: Autobase<RoomView>
  cores: RoomCores
  sync: RoomSync
  queue: AppendQueue
  keys: RoomKeys
  dealer: KeyDealer
}

// Many writers, one history: each member appends to a core of its own, and
// Autobase orders them into one log (apply.ts decides what enters it).
export class Room extends ReadyResource {
  readonly store: Store
  private readonly roomKey: Buffer | null
  private readonly encryption: Buffer | null
  private readonly ownsStore: boolean
  private readonly beforeClose: ((room: Room) => Promise<void>) | null
  private readonly afterJoin: ((room: Room) => Promise<void>) | null
  private inner: Parts | null = null
  private selfRemoved = false

  constructor (store: Store, { key = null, encryptionKey = null, ownsStore = false, beforeClose = null, afterJoin = null }: RoomOptions = {}) {
    super()
    this.store = store
    this.roomKey = key
    this.encryption = encryptionKey
    this.ownsStore = ownsStore
    this.beforeClose = beforeClose
    this.afterJoin = afterJoin
  }

  // open: anyone who knows the key joins (with a stamp of stampBits of work) and reads
  static async create (store: Store, { nick, difficulty = DEFAULT_ROOM_DIFFICULTY, open = false, stampBits = DEFAULT_STAMP_BITS, ...opts }: CreateOptions): Promise<Room> {
    const room = new Room(store, { ...opts, key: null, encryptionKey: open ? null : crypto.randomBytes(32) })
    try {
      checkNick(nick)
      await room.ready()
      const { keys, queue } = room.parts
      // an open room is public: no epochs to seal posts with
      await queue.append([encodeEntry({ type: ROOM_CREATE, nick, difficulty, ...(open ? { open, stampBits } : { box: keys.box, epoch: keys.firstEpoch() }) })])
      if (!(await viewUntil(room, () => room.isMember(), Date.now() + SETTLE_TIMEOUT))) throw notApplied('the new room', SETTLE_TIMEOUT)
    } catch (err) {
      await room.close()
      throw err
    }
    return room
  }

  protected override async _open (): Promise<void> {
    let key: Buffer | null = null
    const base: Autobase<RoomView> = new Autobase(this.store.corestore.namespace(ROOM_NAMESPACE), this.roomKey, {
      open: (store) => ({
        log: store.get('log'),
        state: new Hyperbee<StateValue>(store.get('state'), { keyEncoding: 'utf-8', valueEncoding: 'json', extension: false })
      }),
      apply: (nodes, view, host) => applyRoom(nodes, view, host, key ?? base.key),
      valueEncoding: 'binary',
      // joins come as optimistic entries from writers that are not members yet
      optimistic: true,
      ackInterval: ROOM_ACK_INTERVAL,
      encryptionKey: this.encryption
    })
    // apply never throws on content: what reaches here is a storage or protocol fault
    base.on('error', (err: Error) => this.emit('warning', err))
    try {
      await base.ready()
      key = base.key
      await base.view.state.ready()
    } catch (err) {
      await base.close().catch(safetyCatch)
      if (this.ownsStore) await this.store.close()
      throw err
    }
    let keys: RoomKeys
    try {
      keys = await RoomKeys.open(this.store.corestore, base.key, base.local.key)
    } catch (err) {
      await base.close().catch(safetyCatch)
      if (this.ownsStore) await this.store.close()
      throw err
    }
    const cores = new RoomCores(this.store, base)
    const queue = new AppendQueue(base)
    this.inner = { base, cores, sync: new RoomSync(this, cores), queue, keys, dealer: new KeyDealer(this, queue) }
    base.on('update', () => {
      this.refreshCores().catch(safetyCatch)
      this.inner?.dealer.deal()
      this.noticeRemoval().catch(safetyCatch)
      this.emit('update')
    })
    try {
      await this.refreshCores()
      this.selfRemoved = (await this.member(this.writerKey))?.removed != null
    } catch (err) {
      // ready-resource runs no _close after a failed open
      await this.closeParts()
      throw err
    }
  }

  protected override async _close (): Promise<void> {
    if (this.inner !== null) await this.beforeClose?.(this).catch(safetyCatch)
    await this.closeParts()
  }

  private async closeParts (): Promise<void> {
    await this.inner?.sync.close()
    await this.inner?.cores.close()
    await this.inner?.base.close()
    if (this.ownsStore) await this.store.close()
  }

  private get parts (): Parts {
    if (this.inner === null) throw notOpen('the room')
    return this.inner
  }

  private async refreshCores (): Promise<void> {
    const { cores, sync } = this.parts
    if (cores.refresh((await this.members()).map(m => m.key))) sync.announce()
  }

  get keys (): RoomKeys { return this.parts.keys }

  // whether this member can post in a sealed room (it holds the current epoch's key)
  async holdsKey (): Promise<boolean> {
    return (await this.parts.keys.current(this.base.view.state)) !== null
  }

  // 'removed' (its MemberRecord), once, when this storage's removal reaches its view
  private async noticeRemoval (): Promise<void> {
    if (this.selfRemoved) return
    const self = await this.member(this.writerKey)
    if (self?.removed == null || this.selfRemoved) return
    this.selfRemoved = true
    this.emit('removed', self)
  }

  get base (): Autobase<RoomView> { return this.parts.base }
  get key (): Buffer { return this.base.key }
  get discoveryKey (): Buffer { return this.base.discoveryKey }
  get encryptionKey (): Buffer | null { return this.base.encryptionKey }
  get writerKey (): Buffer { return this.base.local.key }
  get log (): Hypercore { return this.base.view.log }
  get length (): number { return this.log.length }
  // entries before this are settled: acknowledged by the indexer, their order final
  get signedLength (): number { return this.log.signedLength ?? 0 }
  get transfer (): Transfer { return this.parts.cores.transfer }

  replicate (stream: Duplex): void {
    this.parts.sync.replicate(stream)
  }

  findingPeers (): () => void {
    return this.store.corestore.findingPeers()
  }

  config (): Promise<RoomConfig | null> {
    return readConfig(this.base.view.state)
  }

  member (key: Buffer | string): Promise<MemberRecord | null> {
    return readMember(this.base.view.state, typeof key === 'string' ? key : toHex(key))
  }

  members (): Promise<Member[]> {
    return readMembers(this.base.view.state, toHex(this.writerKey))
  }

  // the room's mirrors (blind peers every member asks to keep the room)
  async mirrors (): Promise<Buffer[]> {
    return (await readMirrors(this.base.view.state)).map(k => Buffer.from(k, 'hex'))
  }

  async isMember (): Promise<boolean> {
    const m = await this.member(this.writerKey)
    return m !== null && m.removed === null
  }

  invite (publicKey: string): Promise<InviteRecord | null> {
    return readInvite(this.base.view.state, publicKey)
  }

  inviteRecords (): Promise<{ publicKey: string, record: InviteRecord }[]> {
    return readInvites(this.base.view.state)
  }

  // every invite the room knows, with its maker and state (open, used, revoked...)
  invites (): Promise<InviteInfo[]> {
    return listInvites(this)
  }

  // revokes the invite whose ID (or public key) starts with `id`: its maker or an admin
  uninvite (id: string): Promise<InviteInfo> {
    return revokeInvite(this, this.parts.queue, id)
  }

  async info (): Promise<RoomInfo> {
    const config = await this.config()
    const members = await this.members()
    return {
      key: toHex(this.key),
      discoveryKey: toHex(this.discoveryKey),
      writer: toHex(this.writerKey),
      creator: config?.creator ?? null,
      difficulty: config?.difficulty ?? null,
      stampBits: config?.open === true ? config.stampBits ?? DEFAULT_STAMP_BITS : null,
      length: this.length,
      signedLength: this.signedLength,
      member: members.some(m => m.self && m.removed === null),
      members,
      indexers: indexers(members.map(roleOf)),
      admins: admins(members.map(roleOf))
    }
  }

  // seq: where the first entry landed in this member's own core; (writer key,
  // seq) names an entry for good, whatever the room's order.
  append (entries: Entry[], encoded?: Buffer[]): Promise<Appended> {
    for (const e of entries) if (isRoomType(e.type)) throw invalidEntry(`"${e.type}" entries are the room's own; post other types`)
    const blocks = encoded?.length === entries.length ? encoded : entries.map(encodeEntry)
    return this.parts.queue.append(blocks, {
      check: async () => { if (!(await this.isMember())) throw notMember(toHex(this.key)) },
      prepare: async (plain) => {
        const key = await this.currentKey()
        return key === undefined ? plain : this.parts.keys.seal(entries, plain, key, this.writerKey)
      }
    })
  }

  // A newcomer waits until a member has handed it the key.
  private async currentKey () {
    const { keys } = this.parts
    const state = this.base.view.state
    const now = await keys.current(state)
    if (now !== null) return now
    if (!(await viewUntil(this, async () => (await keys.current(state)) !== null, Date.now() + KEY_TIMEOUT))) throw noEpochKey(KEY_TIMEOUT)
    return (await keys.current(state)) ?? undefined
  }

  // validFor: the invite expires once that many entries have entered the room after it
  createInvite (opts: { validFor?: number | null } = {}): Promise<string> {
    return createInvite(this, this.parts.queue, opts)
  }

  remove (memberHex: string): Promise<MemberRecord> {
    return removeMember(this, this.parts.queue, memberHex)
  }

  // creator only
  addMirror (key: Buffer): Promise<void> {
    return addMirror(this, this.parts.queue, key)
  }

  async join (invite: RoomInvite, opts: { nick: string, timeout: number, signal?: AbortSignal }): Promise<MemberRecord> {
    const member = await joinRoom(this, this.parts.queue, invite, opts)
    await this.afterJoin?.(this)
    return member
  }

  async joinOpen (opts: { nick: string, timeout: number, signal?: AbortSignal }): Promise<MemberRecord> {
    const member = await joinOpenRoom(this, this.parts.queue, opts)
    await this.afterJoin?.(this)
    return member
  }

  // promote: { admin: true, indexer: true }; demote: both false
  changeRoles (memberHexes: string[], change: RoleChange): Promise<Member[]> {
    return changeRoles(this, this.parts.queue, memberHexes, change)
  }

  delivered (authorSeq: number, timeout: number, signal?: AbortSignal): Promise<boolean> {
    return this.parts.sync.delivered(authorSeq, timeout, signal)
  }

  findPeer (timeout: number, signal?: AbortSignal): Promise<boolean> {
    return this.parts.sync.findPeer(timeout, signal)
  }

  sync (opts: { timeout?: number } = {}): Promise<boolean> {
    return this.parts.sync.sync(opts)
  }

  read (start: number, end: number): Promise<RoomEntry[]> {
    return readOrdered(this.log, start, end).then(batch => this.parts.keys.openAll(this.base.view.state, batch))
  }

  follow (opts: RoomFollowOptions = {}): RoomFollower {
    const { keys } = this.parts
    return new RoomFollower(this.log, { updates: this, ...opts, open: (batch) => keys.openAll(this.base.view.state, batch) })
  }
}
