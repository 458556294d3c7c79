import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { viewKeys } from '../internals.js'
import { toHex } from '../keys.js'
import type { Network } from '../network/swarm.js'
import type { Room } from '../room/room.js'
import { MirrorClient } from './client.js'

// Every member, whenever it is online, asks each of the room's mirrors (the
// list in the room state) to keep the room: its own writer core, the views,
// and every writer core it knows of, again whenever the room learns of a new
// one. blind-peering's addAutobase alone sends a sample of writers once and
// leaves "writers appearing later" to others: with every member doing this,
// a mirror holds all of them. Each member also connects to every mirror
// through its swarm, so the room replicates (with Autobase's wakeups) over it.
// Events: 'warning', 'mirror-added' (hex), 'mirror-connected' (hex).
export class RoomMirrors extends ReadyResource {
  readonly room: Room
  readonly network: Network
  private readonly clients = new Map<string, MirrorClient>()
  private readonly unreachableAfter: number | undefined
  private refreshing: Promise<void> | null = null
  private again = false
  private readonly onUpdate = () => this.refresh()

  constructor ({ room, network, unreachableAfter }: { room: Room, network: Network, unreachableAfter?: number }) {
    super()
    this.room = room
    this.network = network
    this.unreachableAfter = unreachableAfter
  }

  get mirrors (): string[] {
    return [...this.clients.keys()]
  }

  protected override async _open (): Promise<void> {
    await this.network.ready()
    this.room.on('update', this.onUpdate)
    this.refresh()
    await this.refreshing
  }

  // one pass at a time; an update during a pass asks for one more
  private refresh (): void {
    if (this.closing !== null) return
    if (this.refreshing !== null) {
      this.again = true
      return
    }
    this.refreshing = this.pass().catch(err => { if (this.closing === null) this.emit('warning', err) }).finally(() => {
      this.refreshing = null
      if (this.again) {
        this.again = false
        this.refresh()
      }
    })
  }

  private async pass (): Promise<void> {
    const dht = this.network.swarm?.dht
    if (dht === undefined) return
    const keys = await this.room.mirrors()
    if (this.closing !== null || keys.length === 0) return
    const cores = [...(await this.room.members()).map(m => Buffer.from(m.key, 'hex')), ...viewKeys(this.room.base)]
    if (this.closing !== null) return
    for (const key of keys) {
      const hex = toHex(key)
      let client = this.clients.get(hex)
      if (client === undefined) {
        client = new MirrorClient({ dht, store: this.room.store.corestore, mirrors: [key], wakeup: this.room.base.wakeupProtocol, ...(this.unreachableAfter !== undefined ? { unreachableAfter: this.unreachableAfter } : {}) })
        client.on('warning', err => this.emit('warning', err))
        client.on('mirror-connected', h => this.emit('mirror-connected', h))
        this.clients.set(hex, client)
        this.emit('mirror-added', hex)
        client.keepRoom(this.room.base, cores)
        this.network.joinPeer(key).catch(safetyCatch)
      } else {
        client.keepRoomCores(this.room.base, cores)
      }
    }
  }

  protected override async _close (): Promise<void> {
    this.room.off('update', this.onUpdate)
    await this.refreshing
    for (const [hex, client] of this.clients) {
      await client.close()
      this.network.leavePeer(Buffer.from(hex, 'hex'))
    }
    this.clients.clear()
  }
}
