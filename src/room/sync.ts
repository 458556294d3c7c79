import type { Duplex } from 'node:stream'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { toHex } from '../keys.js'
import { hintWakeup, peersContiguousLength } from '../internals.js'
import { firstOf, sleep, until } from '../wait.js'
import { type CoreList, type CoresChannel, openCoresChannel } from './cores-channel.js'
import type { RoomCores } from './cores.js'
import type { Room } from './room.js'

// how long sync waits for connected peers to list the room's cores
const LIST_WAIT = 2000
const DEFAULT_SYNC_TIMEOUT = 10_000

export class RoomSync extends ReadyResource {
  private readonly room: Room
  private readonly cores: RoomCores
  private readonly channels = new Map<CoresChannel, CoreList | null>()

  constructor (room: Room, cores: RoomCores) {
    super()
    this.room = room
    this.cores = cores
  }

  protected override async _close (): Promise<void> {
    for (const channel of this.channels.keys()) channel.close()
    this.channels.clear()
  }

  replicate (stream: Duplex): void {
    this.room.base.replicate(stream)
    if (this.closing !== null) return
    const channel = openCoresChannel(stream, this.room.discoveryKey, {
      list: () => this.cores.list(),
      onList: (list) => this.heard(channel!, list)
    })
    if (channel === null) return
    this.channels.set(channel, null)
    stream.once('close', () => this.channels.delete(channel))
  }

  announce (): void {
    const list = this.cores.list()
    for (const channel of this.channels.keys()) channel.send(list)
  }

  // a join may reach us as a writer a peer names before it reaches us as an entry
  private heard (channel: CoresChannel, list: CoreList): void {
    this.channels.set(channel, list)
    const own = toHex(this.room.writerKey)
    const hints = list.writers.filter(w => toHex(w.key) !== own)
    if (hints.length > 0) hintWakeup(this.room.base, hints)
    this.emit('heard')
  }

  // Any copy of the room has the creator's core, the one the room's key names.
  async findPeer (timeout: number, signal?: AbortSignal): Promise<boolean> {
    const core = this.room.store.corestore.get({ key: this.room.key })
    try {
      await core.ready()
      if (core.peers.length > 0) return true
      return await firstOf([{ emitter: core, event: 'peer-add' }], { timeout, signal })
    } finally {
      await core.close().catch(safetyCatch)
    }
  }

  async delivered (authorSeq: number, timeout: number, signal?: AbortSignal): Promise<boolean> {
    const local = this.room.base.local
    if (peersContiguousLength(local) > authorSeq) return true
    return firstOf([{ emitter: local, event: 'upload', value: (index: number) => index === authorSeq ? true : undefined }], { timeout, signal })
  }

  // Rounds until nothing changes: applying one round can add members to fetch.
  async sync ({ timeout = DEFAULT_SYNC_TIMEOUT }: { timeout?: number } = {}): Promise<boolean> {
    const deadline = Date.now() + timeout
    for (const channel of this.channels.keys()) {
      this.channels.set(channel, null)
      channel.request()
    }
    // a peer without the room never opens a channel, so every open one answers
    await until(() => [...this.channels.values()].every(list => list !== null), [{ emitter: this, event: 'heard' }], { timeout: Math.min(deadline, Date.now() + LIST_WAIT) - Date.now() })
    let seen = ''
    for (;;) {
      const targets = new Map<string, { key: Buffer, length: number }>()
      for (const list of this.channels.values()) {
        for (const w of list?.writers ?? []) {
          const hex = toHex(w.key)
          if ((targets.get(hex)?.length ?? -1) < w.length) targets.set(hex, w)
        }
      }
      for (const m of await this.room.members()) if (!targets.has(m.key)) targets.set(m.key, { key: Buffer.from(m.key, 'hex'), length: -1 })
      const complete = await Promise.all([...targets.values()].map(t => this.updateCore(t.key, t.length, deadline)))
      await this.room.base.update()
      const now = JSON.stringify([this.room.length, (await this.room.members()).length])
      if (now === seen && complete.every(Boolean)) return true
      seen = now
      if (Date.now() > deadline) return false
    }
  }

  // length -1: to what peers have now
  private async updateCore (key: Buffer, length: number, deadline: number): Promise<boolean> {
    const core = this.room.store.corestore.get({ key })
    try {
      await core.ready()
      const left = () => Math.max(0, deadline - Date.now())
      if (length < 0 || core.length < length) await Promise.race([core.update({ wait: true }), sleep(left())])
      const end = Math.max(core.length, length)
      if (core.contiguousLength < end) await Promise.race([core.download({ start: core.contiguousLength, end }).done(), sleep(left())])
      if (length > 0) hintWakeup(this.room.base, [{ key, length }])
      return core.contiguousLength >= end
    } catch (err) {
      safetyCatch(err)
      return false
    } finally {
      await core.close().catch(safetyCatch)
    }
  }
}
