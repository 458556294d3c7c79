import type Autobase from 'autobase'
import BlindPeering from 'blind-peering'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type DHT from 'hyperdht'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { mirrorUnreachable } from '../errors.js'
import { toHex } from '../keys.js'
import { peerHas } from '../internals.js'

// A mirror that has not connected for any kept core within this long gets
// one warning (again after each time it drops and stays away as long).
export const UNREACHABLE_AFTER = 10_000

export interface MirrorClientOptions {
  // connections to mirrors go through this node and use its default key pair:
  // the identity mirrors trust or not (see identity.ts)
  dht: DHT
  // what those connections replicate (all of it, as store.replicate does)
  store: Corestore
  mirrors: Buffer[]
  // how many mirrors each core goes to, picked by XOR distance to its key
  // (default: all of them)
  pick?: number
  unreachableAfter?: number
  // a room's base.wakeupProtocol: mirrors then tell the room of writers'
  // new blocks (protomux-wakeup) over their connection
  wakeup?: unknown
}

export interface KeepOptions {
  // ask the mirror to announce the core on the DHT (done only for trusted identities)
  announce?: boolean
}

export interface MirrorClientEvents {
  // a mirror replicates a kept core with us (hex key)
  'mirror-connected': [string]
  // no mirror connection left for any kept core (hex key)
  'mirror-disconnected': [string]
  // a mirror unreachable for UNREACHABLE_AFTER: one HyperfeedError naming it
  warning: [Error]
}

interface MirrorState {
  key: Buffer
  // kept cores this mirror replicates with us
  cores: Set<Hypercore>
  timer: NodeJS.Timeout | null
  warned: boolean
}

interface KeptRoom {
  announce: boolean
  cores: Map<string, Hypercore>
}

// Asks mirrors (blind peers) to keep cores, with blind-peering: a feed's core,
// or a room's base and every one of its writers. Registration is repeated by
// blind-peering on every reconnection; a mirror that is down costs a warning,
// never an error, and everything else keeps working.
export class MirrorClient extends ReadyResource {
  readonly mirrors: Buffer[]
  readonly dht: DHT
  private readonly store: Corestore
  private readonly pick: number
  private readonly unreachableAfter: number
  private readonly peering: BlindPeering
  private readonly states = new Map<string, MirrorState>()
  private readonly kept = new Map<Hypercore, () => void>()
  private readonly rooms = new Map<Autobase<unknown>, KeptRoom>()

  constructor ({ dht, store, mirrors, pick = mirrors.length, unreachableAfter = UNREACHABLE_AFTER, wakeup = null }: MirrorClientOptions) {
    super()
    this.dht = dht
    this.store = store
    this.mirrors = mirrors
    this.pick = pick
    this.unreachableAfter = unreachableAfter
    this.peering = new BlindPeering(dht, store, { keys: mirrors, pick, wakeup })
    for (const key of mirrors) this.states.set(toHex(key), { key, cores: new Set(), timer: null, warned: false })
  }

  // The key mirrors see this process connect with (the DHT's default key pair).
  get identity (): Buffer {
    return this.dht.defaultKeyPair.publicKey
  }

  // Asks every mirror to keep `core` for as long as it is open (or until close).
  keepCore (core: Hypercore, { announce = true }: KeepOptions = {}): void {
    if (this.closing !== null || this.kept.has(core)) return
    this.peering.addCoreBackground(core, { announce, pick: this.pick })
    this.watch(core)
  }

  keepFeed (feed: { core: Hypercore }, opts: KeepOptions = {}): void {
    this.keepCore(feed.core, opts)
  }

  // Asks every mirror to keep a room: its base (blind-peering sends the local
  // core, the views and a sample of writers) and each core in `cores` (every
  // writer's and view's the room knows). blind-peering alone samples writers
  // and leaves "writers appearing later" to others: call keepRoomCores again
  // whenever the room learns of a member or a view.
  keepRoom (base: Autobase<unknown>, cores: Iterable<Buffer>, { announce = true }: KeepOptions = {}): void {
    if (this.closing !== null) return
    if (!this.rooms.has(base)) {
      this.rooms.set(base, { announce, cores: new Map() })
      this.peering.addAutobaseBackground(base, { announce, pick: this.pick })
      this.watch(base.local)
    }
    this.keepRoomCores(base, cores)
  }

  // Registers the cores of a kept room not registered yet.
  keepRoomCores (base: Autobase<unknown>, cores: Iterable<Buffer>): void {
    const room = this.rooms.get(base)
    if (room === undefined || this.closing !== null) return
    for (const key of cores) {
      const hex = toHex(key)
      if (room.cores.has(hex) || key.equals(base.local.key)) continue
      // a session of our own: the core is kept while the client runs, even
      // when the room itself has no reason to hold it open
      const core = this.store.get({ key })
      room.cores.set(hex, core)
      core.ready().then(() => this.keepCore(core, { announce: room.announce }), safetyCatch)
    }
  }

  // Whether `mirror` replicates any kept core with us now.
  connected (mirror: Buffer): boolean {
    return (this.states.get(toHex(mirror))?.cores.size ?? 0) > 0
  }

  // How much of `core` the mirror says it has (null: not replicating it with us).
  mirrorLength (core: Hypercore, mirror: Buffer): number | null {
    return peerHas(core, mirror)?.contiguousLength ?? null
  }

  private watch (core: Hypercore): void {
    const update = () => this.update(core)
    core.on('peer-add', update)
    core.on('peer-remove', update)
    core.on('close', update)
    this.kept.set(core, () => {
      core.off('peer-add', update)
      core.off('peer-remove', update)
      core.off('close', update)
    })
    this.update(core)
  }

  private update (core: Hypercore): void {
    if (this.closing !== null) return
    const open = !core.closed
    if (!open) {
      this.kept.get(core)?.()
      this.kept.delete(core)
    }
    for (const [hex, state] of this.states) {
      const has = open && peerHas(core, state.key) !== null
      const before = state.cores.size
      if (has) state.cores.add(core)
      else state.cores.delete(core)
      if (before === 0 && state.cores.size > 0) {
        this.clearTimer(state)
        state.warned = false
        this.emit('mirror-connected', hex)
      } else if (state.cores.size === 0) {
        if (before > 0) this.emit('mirror-disconnected', hex)
        // nothing kept any more (the feed closed first): nothing to warn about
        if (this.kept.size > 0) this.startTimer(hex, state)
      }
    }
  }

  private startTimer (hex: string, state: MirrorState): void {
    if (state.timer !== null || state.warned) return
    state.timer = setTimeout(() => {
      state.timer = null
      if (this.closing !== null || state.cores.size > 0 || this.kept.size === 0) return
      state.warned = true
      this.emit('warning', mirrorUnreachable(hex, Math.round(this.unreachableAfter / 1000)))
    }, this.unreachableAfter)
    state.timer.unref()
  }

  private clearTimer (state: MirrorState): void {
    if (state.timer !== null) clearTimeout(state.timer)
    state.timer = null
  }

  // Before the DHT and the store close: the connections to mirrors end here.
  protected override async _close (): Promise<void> {
    for (const state of this.states.values()) this.clearTimer(state)
    for (const stop of this.kept.values()) stop()
    this.kept.clear()
    await this.peering.close()
    for (const room of this.rooms.values()) {
      await Promise.all([...room.cores.values()].map(core => core.close().catch(safetyCatch)))
    }
    this.rooms.clear()
  }
}

export interface MirrorClient {
  on<E extends keyof MirrorClientEvents> (event: E, listener: (...args: MirrorClientEvents[E]) => void): this
  once<E extends keyof MirrorClientEvents> (event: E, listener: (...args: MirrorClientEvents[E]) => void): this
  off<E extends keyof MirrorClientEvents> (event: E, listener: (...args: MirrorClientEvents[E]) => void): this
  emit<E extends keyof MirrorClientEvents> (event: E, ...args: MirrorClientEvents[E]): boolean
}
