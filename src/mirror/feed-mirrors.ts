import fs from 'node:fs'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type Entry, type EntryResult, isUnreadable } from '../entries.js'
import type { Feed } from '../feed/feed.js'
import { toHex } from '../keys.js'
import type { Network } from '../network/swarm.js'
import { MirrorClient } from './client.js'

// The mirror list travels with the feed as a signed entry the writer appends
// whenever its list grows: {"type":"mirrors","mirrors":[HEX...],"time":MS}.
// Readers take the latest one. It is kept beside the feed's storage (a file
// next to its directory: corestore moves unknown files inside it away).
export const MIRRORS_TYPE = 'mirrors'
export const MAX_MIRRORS = 32
const HEX = /^[0-9a-f]{64}$/

export interface MirrorsEntry extends Entry {
  type: typeof MIRRORS_TYPE
  mirrors: string[]
  time: number
}

export function mirrorsEntry (keys: Buffer[], time = Date.now()): MirrorsEntry {
  return { type: MIRRORS_TYPE, mirrors: keys.map(toHex), time }
}

// The mirror keys a feed entry names (null: not a well-formed mirrors entry).
export function mirrorsOf (value: Entry): Buffer[] | null {
  if (value.type !== MIRRORS_TYPE || !Array.isArray(value.mirrors) || value.mirrors.length > MAX_MIRRORS) return null
  if (!value.mirrors.every(k => typeof k === 'string' && HEX.test(k))) return null
  return (value.mirrors as string[]).map(k => Buffer.from(k, 'hex'))
}

export function mirrorsFile (feedDir: string): string {
  return feedDir + '.mirrors'
}

export async function readFeedMirrors (feedDir: string): Promise<Buffer[]> {
  const text = await fs.promises.readFile(mirrorsFile(feedDir), 'utf8').catch(() => '')
  return text.split('\n').map(l => l.trim()).filter(l => HEX.test(l)).map(l => Buffer.from(l, 'hex'))
}

async function saveFeedMirrors (feedDir: string, keys: Buffer[]): Promise<void> {
  const file = mirrorsFile(feedDir)
  const tmp = `${file}.${process.pid}.tmp`
  await fs.promises.writeFile(tmp, keys.map(k => toHex(k) + '\n').join(''))
  await fs.promises.rename(tmp, file)
}

function union (a: Buffer[], b: Buffer[]): Buffer[] {
  const out = new Map<string, Buffer>()
  for (const k of [...a, ...b]) out.set(toHex(k), k)
  return [...out.values()]
}

export interface FeedMirrorsOptions {
  feed: Feed
  network: Network
  // given now (--mirror, HYPERFEED_MIRRORS), added to those the feed remembers
  mirrors?: Buffer[]
  // the writer: appends the list when it grows and asks every mirror to keep
  // the feed (blind-peering); a reader connects to every mirror directly
  write: boolean
  unreachableAfter?: number
}

// A feed's mirrors, remembered in its storage. Events: 'warning' (a mirror
// unreachable), 'mirror-connected' (hex), 'learned' (hex[]: a reader found
// mirrors in the feed).
export class FeedMirrors extends ReadyResource {
  readonly feed: Feed
  readonly network: Network
  private readonly given: Buffer[]
  private readonly write: boolean
  private readonly unreachableAfter: number | undefined
  private list: Buffer[] = []
  private saving: Promise<void> = Promise.resolve()
  client: MirrorClient | null = null

  constructor ({ feed, network, mirrors = [], write, unreachableAfter }: FeedMirrorsOptions) {
    super()
    this.feed = feed
    this.network = network
    this.given = mirrors
    this.write = write
    this.unreachableAfter = unreachableAfter
  }

  get mirrors (): Buffer[] {
    return this.list
  }

  protected override async _open (): Promise<void> {
    const saved = await readFeedMirrors(this.feed.store.dir)
    this.list = union(saved, this.given)
    if (this.list.length > saved.length) {
      if (this.write) await this.feed.append(mirrorsEntry(this.list))
      await saveFeedMirrors(this.feed.store.dir, this.list)
    }
    await this.network.ready()
    if (this.write) this.keep()
    else for (const key of this.list) await this.network.joinPeer(key)
  }

  private keep (): void {
    const dht = this.network.swarm?.dht
    if (this.list.length === 0 || dht === undefined) return
    this.client = new MirrorClient({ dht, store: this.feed.store.corestore, mirrors: this.list, ...(this.unreachableAfter !== undefined ? { unreachableAfter: this.unreachableAfter } : {}) })
    this.client.on('warning', (err) => this.emit('warning', err))
    this.client.on('mirror-connected', (hex) => this.emit('mirror-connected', hex))
    this.client.keepFeed(this.feed)
  }

  // A reader passes every entry it reads: the latest mirrors entry adds its
  // mirrors to those this storage remembers, and connects to them.
  learn (batch: EntryResult[]): void {
    if (this.write || this.closing !== null) return
    let found: Buffer[] | null = null
    for (const r of batch) {
      if (!isUnreadable(r) && r.value.type === MIRRORS_TYPE) found = mirrorsOf(r.value) ?? found
    }
    if (found === null) return
    const known = new Set(this.list.map(toHex))
    const fresh = found.filter(k => !known.has(toHex(k)))
    if (fresh.length === 0) return
    this.list = union(this.list, fresh)
    const list = this.list
    this.saving = this.saving.then(() => saveFeedMirrors(this.feed.store.dir, list)).catch(safetyCatch)
    for (const key of fresh) this.network.joinPeer(key).catch(safetyCatch)
    this.emit('learned', fresh.map(toHex))
  }

  protected override async _close (): Promise<void> {
    await this.client?.close()
    await this.saving
    if (!this.write) for (const key of this.list) this.network.leavePeer(key)
  }
}
