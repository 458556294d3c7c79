import type Hyperbee from 'hyperbee'
import { type Entry, decodeEntry, isUnreadable } from '../entries.js'
import { toHex } from '../keys.js'
import {
  type BoxKeyPair, type EpochKey, boxKeyPair, boxSeed, newEpochKey, sealKey, toEpochKey
} from './epoch-keys.js'
import { type CurrentEpoch, EPOCHS, type EpochRecord, type SealRecord, currentEpoch, isBoxKey, sealsFor, sealsOf, toLink } from './epochs.js'
import type { RoomEntry } from './follow.js'
import { Keyring, linkEpoch } from './keyring.js'
import { SEALED_TYPE, encodeSealed, isSealed, openEntry, parseSealed, sealEntry } from './sealed-entries.js'
import { type MemberRecord, type StateValue, isRoomType } from './state.js'

// the name of the store key pair a member's box keys derive from (one per room)
const BOX_SECRET_NAME = 'hyperfeed/room-box'

type State = Hyperbee<StateValue>

// One member's side of a sealed room: its box key pair, the epoch keys it can
// open (from the room's state), sealing what it posts and opening what it reads.
// Nothing here runs inside apply.
export class RoomKeys {
  readonly pair: BoxKeyPair
  private readonly ring: Keyring
  private readonly roomKey: Buffer
  private readonly self: string
  private readonly seen = new Set<string>()
  // member/epoch pairs this member has sealed a key to (its entry may not be applied yet)
  private readonly given = new Set<string>()

  private constructor (pair: BoxKeyPair, roomKey: Buffer, self: Buffer) {
    this.pair = pair
    this.ring = new Keyring(pair)
    this.roomKey = roomKey
    this.self = toHex(self)
  }

  static async open (corestore: { createKeyPair (name: string): Promise<{ secretKey: Buffer }> }, roomKey: Buffer, writerKey: Buffer): Promise<RoomKeys> {
    const { secretKey } = await corestore.createKeyPair(BOX_SECRET_NAME)
    return new RoomKeys(boxKeyPair(boxSeed(secretKey, roomKey)), roomKey, writerKey)
  }

  get box (): string {
    return toHex(this.pair.publicKey)
  }

  // a room's first epoch, as its create entry carries it
  firstEpoch (): { id: string, seal: string } {
    const key = newEpochKey()
    return { id: this.ring.addKey(key), seal: sealKey(key, this.pair.publicKey).toString('base64url') }
  }

  // The epoch a removal starts, sealed to every member that stays.
  async nextEpoch (state: State, current: CurrentEpoch, stay: MemberRecord[]): Promise<Record<string, unknown> | null> {
    const previous = await this.key(state, current.id)
    if (previous === null) return null
    const key = newEpochKey()
    const link = linkEpoch(key, previous)
    this.ring.addKey(key)
    const seals: Record<string, string> = {}
    for (const m of stay) if (isBoxKey(m.box)) seals[m.key] = sealKey(key, Buffer.from(m.box, 'hex')).toString('base64url')
    return { id: link.id, previous: { id: link.previous!.id, box: link.previous!.box.toString('base64url') }, seals }
  }

  // Seals for the members that hold no key of the current epoch yet (null: none
  // missing, or this member cannot give it).
  async missing (state: State, members: MemberRecord[]): Promise<{ epoch: string, seals: Record<string, string> } | null> {
    const current = await currentEpoch(state)
    if (current === null) return null
    const key = await this.key(state, current.id)
    if (key === null) return null
    const seals: Record<string, string> = {}
    for (const m of members) {
      if (m.removed !== null || !isBoxKey(m.box) || m.key === this.self || this.given.has(m.key + current.id)) continue
      if (await has(state, sealsFor(m.key, current.id))) continue
      seals[m.key] = sealKey(key, Buffer.from(m.box, 'hex')).toString('base64url')
    }
    for (const member of Object.keys(seals)) this.given.add(member + current.id)
    return Object.keys(seals).length === 0 ? null : { epoch: current.id, seals }
  }

  // The current epoch's key: undefined in a room without sealing, null when
  // this member does not hold it (yet).
  async current (state: State): Promise<EpochKey | null | undefined> {
    const current = await currentEpoch(state)
    if (current === null) return undefined
    const key = await this.key(state, current.id)
    return key === null ? null : toEpochKey(key)
  }

  async key (state: State, id: string): Promise<Buffer | null> {
    if (!this.ring.has(id)) await this.refresh(state)
    return this.ring.key(id)
  }

  // Entries as posted: each sealed with `key`, blocks (which apply judges) as they are.
  seal (entries: Entry[], blocks: Buffer[], key: EpochKey, author: Buffer): Buffer[] {
    return blocks.map((b, i) => entries[i]?.type === 'block' ? b : encodeSealed(sealEntry(b, key, { roomKey: this.roomKey, author })))
  }

  // What this member reads: sealed entries opened with the epoch keys it holds.
  async openAll (state: State, entries: RoomEntry[]): Promise<RoomEntry[]> {
    if (!entries.some(r => !isUnreadable(r) && isSealed(r.value))) return entries
    await this.refresh(state)
    return entries.map(r => this.openOne(r))
  }

  private openOne (r: RoomEntry): RoomEntry {
    if (isUnreadable(r) || r.value.type !== SEALED_TYPE) return r
    const fail = (unreadable: string): RoomEntry => ({ seq: r.seq, unreadable, author: r.author, authorSeq: r.authorSeq })
    const parsed = parseSealed(r.value)
    if ('error' in parsed) return fail(parsed.error)
    const key = this.ring.key(parsed.epoch)
    if (key === null) return fail(`sealed with the key of epoch ${parsed.epoch}, which this member does not hold`)
    const plain = openEntry(parsed, key, { roomKey: this.roomKey, author: Buffer.from(r.author, 'hex') })
    if (plain === null) return fail('sealed entry that does not open (damaged, or forged under another author)')
    const opened = decodeEntry(r.seq, plain)
    if (!isUnreadable(opened) && isRoomType(opened.value.type)) return fail(`sealed "${opened.value.type.slice(0, 40)}" entry: room entries are never sealed`)
    return { ...opened, author: r.author, authorSeq: r.authorSeq }
  }

  private async refresh (state: State): Promise<void> {
    for await (const { value } of state.createReadStream(EPOCHS)) this.ring.addEpoch(toLink(value as unknown as EpochRecord))
    for await (const { key, value } of state.createReadStream(sealsOf(this.self))) {
      if (this.seen.has(key)) continue
      this.seen.add(key)
      this.ring.addSeal(key.split('/')[2]!, Buffer.from((value as unknown as SealRecord).sealed, 'base64url'))
    }
  }
}

async function has (state: State, range: { gte: string, lt: string }): Promise<boolean> {
  for await (const _ of state.createReadStream({ ...range, limit: 1 })) return true
  return false
}
