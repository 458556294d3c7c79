import type { Duplex } from 'node:stream'
import Autobase from 'autobase'
import Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type Entry, encodeEntry } from '../entries.js'
import { invalidEntry, notApplied, notMember, notOpen } from '../errors.js'
import type { Store } from '../storage.js'
import { toHex } from '../keys.js'
import { applyRoom } from './apply.js'
import { type Appended, AppendQueue } from './append-queue.js'
import { DEFAULT_ROOM_DIFFICULTY } from './constants.js'
import { RoomCores } from './cores.js'
import { RoomFollower, type RoomEntry, type RoomFollowOptions, readOrdered } from './follow.js'
import type { RoomInvite } from './invites.js'
import { createInvite, joinRoom, removeMember } from './membership.js'
import { SETTLE_TIMEOUT, viewUntil } from './settle.js'
import {
  type InviteRecord, type Member, type MemberRecord, ROOM_CREATE, type RoomConfig, type RoomView, type StateValue,
  isRoomType, readConfig, readInvite, readMember, readMembers
} from './state.js'
import { RoomSync } from './sync.js'
import type { Transfer } from './transfer.js'

export type { Member } from './state.js'

export const ROOM_NAMESPACE = 'hyperfeed-room'

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
  length: number
  signedLength: number
  member: boolean
  members: Member[]
}

interface Parts {
  base: Autobase<RoomView>
  cores: RoomCores
  sync: RoomSync
  queue: AppendQueue
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

  static async create (store: Store, { nick, difficulty = DEFAULT_ROOM_DIFFICULTY, ...opts }: { nick: string, difficulty?: number } & Omit<RoomOptions, 'key' | 'encryptionKey'>): Promise<Room> {
    const room = new Room(store, { ...opts, key: null, encryptionKey: crypto.randomBytes(32) })
    try {
      await room.ready()
      await room.parts.queue.append([encodeEntry({ type: ROOM_CREATE, nick, difficulty })])
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
    const cores = new RoomCores(this.store, base)
    this.inner = { base, cores, sync: new RoomSync(this, cores), queue: new AppendQueue(base) }
    base.on('update', () => {
      this.refreshCores().catch(safetyCatch)
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

  async isMember (): Promise<boolean> {
    const m = await this.member(this.writerKey)
    return m !== null && m.removed === null
  }

  invite (publicKey: string): Promise<InviteRecord | null> {
    return readInvite(this.base.view.state, publicKey)
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
      length: this.length,
      signedLength: this.signedLength,
      member: members.some(m => m.self && m.removed === null),
      members
    }
  }

  // seq: where the first entry landed in this member's own core; (writer key,
  // seq) names an entry for good, whatever the room's order.
  append (entries: Entry[], encoded?: Buffer[]): Promise<Appended> {
    for (const e of entries) if (isRoomType(e.type)) throw invalidEntry(`"${e.type}" entries are the room's own; post other types`)
    const blocks = encoded?.length === entries.length ? encoded : entries.map(encodeEntry)
    return this.parts.queue.append(blocks, {
      check: async () => { if (!(await this.isMember())) throw notMember(toHex(this.key)) }
    })
  }

  createInvite (): Promise<string> {
    return createInvite(this, this.parts.queue)
  }

  remove (memberHex: string): Promise<MemberRecord> {
    return removeMember(this, this.parts.queue, memberHex)
  }

  async join (invite: RoomInvite, opts: { nick: string, timeout: number, signal?: AbortSignal }): Promise<MemberRecord> {
    const member = await joinRoom(this, this.parts.queue, invite, opts)
    await this.afterJoin?.(this)
    return member
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
    return readOrdered(this.log, start, end)
  }

  follow (opts: RoomFollowOptions = {}): RoomFollower {
    return new RoomFollower(this.log, { updates: this, ...opts })
  }
}
