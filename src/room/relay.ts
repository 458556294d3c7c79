import type { Duplex } from 'node:stream'
import type Hypercore from 'hypercore'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import type { Store } from '../storage.js'
import { discoveryKeyOf, toHex } from '../keys.js'
import { firstOf } from '../wait.js'
import { type CoreList, type CoresChannel, MAX_ROOM_CORES, openCoresChannel } from './cores-channel.js'

const KEPT = 'hyperfeed/relay-cores'

// A copy of a room without its encryption key: it cannot read or post, but it
// keeps and serves every core members name, for members not online together.
export class RoomRelay extends ReadyResource {
  readonly store: Store
  readonly key: Buffer
  readonly discoveryKey: Buffer
  private readonly cores = new Map<string, Hypercore>()
  private readonly writers = new Set<string>()
  private readonly channels = new Set<CoresChannel>()
  private root: Hypercore | null = null
  private readonly ownsStore: boolean

  constructor (store: Store, key: Buffer, { ownsStore = false } = {}) {
    super()
    this.store = store
    this.key = key
    this.discoveryKey = discoveryKeyOf(key)
    this.ownsStore = ownsStore
  }

  protected override async _open (): Promise<void> {
    this.root = await this.keep(this.key)
    this.writers.add(toHex(this.key))
    const kept = await this.root.getUserData(KEPT)
    // 33 bytes a core: a key, then 1 for a writer core or 0 for a view
    for (let i = 0; kept !== null && i + 33 <= kept.length; i += 33) {
      await this.keep(kept.subarray(i, i + 32))
      if (kept[i + 32] === 1) this.writers.add(toHex(kept.subarray(i, i + 32)))
    }
  }

  protected override async _close (): Promise<void> {
    for (const channel of this.channels) channel.close()
    await Promise.all([...this.cores.values()].map(core => core.close().catch(safetyCatch)))
    if (this.ownsStore) await this.store.close()
  }

  replicate (stream: Duplex): void {
    this.store.corestore.replicate(stream)
    const channel = openCoresChannel(stream, this.discoveryKey, {
      list: () => this.list(),
      onList: (list) => { this.keepAll(list).catch(safetyCatch) }
    })
    if (channel === null) return
    this.channels.add(channel)
    stream.once('close', () => this.channels.delete(channel))
  }

  findingPeers (): () => void {
    return this.store.corestore.findingPeers()
  }

  async held (): Promise<{ cores: number, blocks: number, length: number, bytes: number }> {
    let blocks = 0
    let length = 0
    let bytes = 0
    for (const core of this.cores.values()) {
      blocks += await core.count(0, core.length)
      length += core.length
      bytes += core.byteLength
    }
    return { cores: this.cores.size, blocks, length, bytes }
  }

  async settle ({ timeout, quiet = 1500, signal }: { timeout: number, quiet?: number, signal?: AbortSignal }): Promise<{ cores: number, blocks: number, length: number, bytes: number, complete: boolean }> {
    const deadline = Date.now() + timeout
    for (;;) {
      const held = await this.held()
      const complete = held.blocks === held.length
      if (Date.now() >= deadline || signal?.aborted === true || this.closing !== null) return { ...held, complete }
      const changed = await firstOf([{ emitter: this, event: 'update' }], { timeout: Math.min(quiet, deadline - Date.now()), signal })
      if (!changed && complete) return { ...held, complete }
    }
  }

  private list (): CoreList {
    const writers = []
    const views = []
    for (const [hex, core] of this.cores) {
      if (this.writers.has(hex)) writers.push({ key: core.key, length: core.contiguousLength })
      else views.push(core.key)
    }
    return { writers, views }
  }

  private async keepAll (list: CoreList): Promise<void> {
    if (this.closing !== null) return
    const before = this.cores.size
    for (const [key, writer] of [...list.writers.map(w => [w.key, true] as const), ...list.views.map(v => [v, false] as const)]) {
      if (this.cores.size >= MAX_ROOM_CORES) break
      await this.keep(key)
      if (writer) this.writers.add(toHex(key))
    }
    if (this.cores.size === before || this.root === null || this.closing !== null) return
    await this.root.setUserData(KEPT, Buffer.concat([...this.cores].map(([hex, core]) => Buffer.concat([core.key, Buffer.from([this.writers.has(hex) ? 1 : 0])]))))
    for (const channel of this.channels) channel.send(this.list())
  }

  private async keep (key: Buffer): Promise<Hypercore> {
    const hex = toHex(key)
    const existing = this.cores.get(hex)
    if (existing !== undefined) return existing
    const core = this.store.corestore.get({ key })
    this.cores.set(hex, core)
    await core.ready()
    core.download({ start: 0, end: -1 })
    core.on('append', () => this.emit('update'))
    core.on('download', () => this.emit('update'))
    return core
  }
}
