import type Autobase from 'autobase'
import type Hypercore from 'hypercore'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import type { Store } from '../storage.js'
import { toHex } from '../keys.js'
import { viewKeys } from '../internals.js'
import type { CoreList } from './cores-channel.js'
import { Transfer } from './transfer.js'

// Every core of the room this copy knows of (this storage's own even before it
// joins): a passive session on each gives its length and counts its transfer.
export class RoomCores extends ReadyResource {
  readonly transfer = new Transfer()
  private readonly store: Store
  private readonly base: Autobase<unknown>
  private readonly writers = new Map<string, Buffer>()
  private readonly sessions = new Map<string, Hypercore>()

  constructor (store: Store, base: Autobase<unknown>) {
    super()
    this.store = store
    this.base = base
  }

  protected override async _close (): Promise<void> {
    await Promise.all([...this.sessions.values()].map(core => core.close().catch(safetyCatch)))
    this.sessions.clear()
  }

  refresh (memberKeys: string[]): boolean {
    if (this.closing !== null) return false
    const before = this.writers.size
    for (const key of [this.base.key, this.base.local.key]) this.writers.set(toHex(key), key)
    for (const hex of memberKeys) if (!this.writers.has(hex)) this.writers.set(hex, Buffer.from(hex, 'hex'))
    for (const [hex, key] of this.writers) this.watch(hex, key)
    for (const key of viewKeys(this.base)) this.watch(toHex(key), key)
    return this.writers.size !== before
  }

  list (): CoreList {
    const writers = [...this.writers].map(([hex, key]) => ({ key, length: this.sessions.get(hex)?.length ?? 0 }))
    return { writers, views: viewKeys(this.base) }
  }

  private watch (hex: string, key: Buffer): void {
    if (this.sessions.has(hex)) return
    const core = this.store.corestore.get({ key, active: false })
    this.sessions.set(hex, core)
    this.transfer.count(core)
  }
}
