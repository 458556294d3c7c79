import type { WebSocket } from 'ws'
import type { Registry } from 'prom-client'
import safetyCatch from 'safety-catch'
import { type Entry, type EntryResult, chat, formatJson, isObject, isUnreadable } from '../entries.js'
import { peerHas } from '../internals.js'
import { badRequest, encryptedFeed, indexStopped, isHyperfeedError, noNetwork, notAvailable, notOpen, readOnlyFeed } from '../errors.js'
import type { Feed } from '../feed/feed.js'
import { toHex } from '../keys.js'
import { DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../chain/block.js'
import { BlockWriter } from '../feed/block-writer.js'
import { ChainIndex } from '../feed/chain-index.js'
import type { Network } from '../network/swarm.js'
import { JsonServer, type Routes, type ServerOptions, MAX_PAGE, intParam, json, pageRange, text } from './http.js'
import { LiveHub, type LiveStream } from './live.js'
import { createMetrics } from './metrics.js'
import { until } from '../wait.js'
import type { LocalSearch } from '../search/local.js'
import { searchRoute } from './search-route.js'
import { type EntryFilter, filterFromUrl, isFiltering } from '../filter.js'
import { filteredLive, filteredPage } from './filtered.js'

export { DEFAULT_LISTEN, DEFAULT_PORT } from './http.js'

const READ_TIMEOUT = 10_000
const INDEX_WAIT = 60_000
export const WEB_NICK = 'web'

export interface GatewayOptions extends ServerOptions {
  feed: Feed
  network?: Network | null
  difficulty?: number
  // GET /api/search (404 without)
  search?: LocalSearch | null
}

export interface FeedStatus {
  type: 'info'
  key: string
  z32: string
  discoveryKey: string
  length: number
  contiguousLength: number
  bytes: number
  peers: number
  writable: boolean
  synced: boolean
  blocks: number
  encrypted: boolean | null
  readable: boolean
}

export class Gateway extends JsonServer {
  readonly feed: Feed
  readonly network: Network | null
  private readonly difficulty: number
  private readonly search: LocalSearch | null
  private blocks: BlockWriter | null = null
  private chainIndex: ChainIndex | null = null
  // why the chain index stopped, once it has
  private indexError: Error | null = null
  private readonly hub: LiveHub
  private readonly registry: Registry
  private readonly table: Routes
  private updated = false
  private served = 0

  constructor ({ feed, network = null, difficulty = DEFAULT_DIFFICULTY, search = null, ...server }: GatewayOptions) {
    // a private feed stays private beyond loopback: reads need the token too
    super({ ...server, privateReads: feed.encrypted === true })
    this.search = search
    this.feed = feed
    this.network = network
    this.difficulty = difficulty
    this.hub = new LiveHub({
      messages: (start, filter) => this.liveMessages(start, filter),
      status: () => {
        const status = this.status()
        const { blocks: _blocks, ...shown } = status
        return { message: JSON.stringify(status), shown: JSON.stringify(shown) }
      },
      changes: [[feed, 'append'], [feed, 'peers'], [this, 'indexed'], ...(network ? [[network, 'connection'], [network, 'disconnection']] as [Network, string][] : [])]
    })
    this.registry = createMetrics({
      network,
      length: () => feed.length,
      transfer: () => ({ uploaded: feed.uploaded, downloaded: feed.downloaded }),
      liveClients: () => this.hub.size,
      entriesServed: () => this.served + this.hub.sent,
      gauges: { hyperfeed_blocks: { help: 'block entries in the feed (checked so far)', value: () => this.chainIndex?.blocks ?? 0 } }
    })
    this.table = {
      'GET /api/info': () => json(200, this.status()),
      'GET /api/entries': ({ url }) => this.entries(url),
      'GET /api/blocks': ({ url }) => this.blockEntries(url),
      'GET /api/search': async ({ url }) => {
        this.checkReadable()
        return text(200, await searchRoute(this.search, url, (hits) => this.hitEntries(hits.map(h => h.seq)), toHex(feed.key)))
      },
      'GET /api/peers': () => json(200, this.peers()),
      'POST /api/entries': async ({ body }) => json(201, await this.postEntry(await body())),
      'POST /api/mine': async ({ body }) => json(201, await this.postMine(await body())),
      'POST /api/peers': async ({ body }) => json(201, await this.postPeer(await body()))
    }
  }

  protected override async _open (): Promise<void> {
    if (this.feed.writable) this.blocks = new BlockWriter(this.feed, { difficulty: this.difficulty })
    const index = new ChainIndex(this.feed)
    this.chainIndex = index
    index.on('progress', () => this.emit('indexed'))
    index.on('error', (err: Error) => {
      this.indexError = err
      this.emit('warning', indexStopped(err.message))
      this.emit('indexed')
    })
    await index.ready()
    await this.hub.ready()
    if (!this.feed.writable) this.feed.update().then(() => { this.updated = true; this.hub.statusChanged() }, safetyCatch)
    await super._open()
  }

  protected routes (): Routes { return this.table }
  protected metrics (): Registry { return this.registry }
  protected live (ws: WebSocket, url: URL): void { this.hub.accept(ws, url) }

  private get index (): ChainIndex {
    if (this.chainIndex === null) throw notOpen('the gateway')
    return this.chainIndex
  }

  status (): FeedStatus {
    const i = this.feed.info()
    return {
      type: 'info',
      key: i.key,
      z32: i.z32,
      discoveryKey: i.discoveryKey,
      length: i.length,
      contiguousLength: i.contiguousLength,
      bytes: i.byteLength,
      peers: this.network?.connections ?? i.peers,
      writable: i.writable,
      synced: i.writable || (this.updated && i.contiguousLength >= i.length),
      blocks: this.chainIndex?.blocks ?? 0,
      encrypted: this.feed.encrypted,
      readable: this.feed.readable
    }
  }

  // Throws once the index has stopped: the peers are not to blame then.
  private async indexed (seq: number, timeout: number): Promise<boolean> {
    const index = this.index
    const done = await until(() => this.indexError !== null || index.position >= seq, [{ emitter: this, event: 'indexed' }], { timeout })
    if (this.indexError !== null) throw isHyperfeedError(this.indexError) ? this.indexError : indexStopped(this.indexError.message)
    return done
  }

  private checkReadable (): void {
    if (!this.feed.readable) throw encryptedFeed(toHex(this.feed.key))
  }

  private async entries (url: URL) {
    this.checkReadable()
    const filter = filterFromUrl(url.searchParams)
    if (isFiltering(filter) || filter.limit !== null) {
      const length = this.feed.length
      const start = intParam(url, 'start', 0)
      const end = Math.min(length, url.searchParams.has('end') ? intParam(url, 'end', 0) : length)
      if (end > start && !(await this.indexed(end, READ_TIMEOUT))) throw notAvailable(end)
      const found = await filteredPage((s, e) => this.feed.read(s, e), { start, length: end, filter, feedAuthor: toHex(this.feed.key) })
      this.served += found.length
      return text(200, '[' + found.map(r => this.message(r)).join(',') + ']')
    }
    const { start, end } = pageRange(url, this.feed.length)
    const upto = Math.min(end, this.feed.length)
    if (upto <= start) return text(200, '[]')
    if (!(await this.indexed(upto, READ_TIMEOUT))) throw notAvailable(upto)
    const entries = await this.feed.read(start, upto)
    this.served += entries.length
    return text(200, '[' + entries.map(r => this.message(r)).join(',') + ']')
  }

  private async blockEntries (url: URL) {
    this.checkReadable()
    const start = intParam(url, 'start', 0)
    const end = url.searchParams.has('end') ? intParam(url, 'end', 0) : Infinity
    if (end < start) throw badRequest('end must not be before start')
    const out: string[] = []
    for (const seq of this.index.blocksIn(start, end, MAX_PAGE)) {
      const r = await this.feed.get(seq, { timeout: READ_TIMEOUT })
      if (r !== null) out.push(this.message(r))
    }
    this.served += out.length
    return text(200, '[' + out.join(',') + ']')
  }

  private async hitEntries (seqs: number[]): Promise<string[]> {
    const out: string[] = []
    for (const seq of seqs) {
      const r = await this.feed.get(seq, { wait: false })
      if (r !== null) out.push(this.message(r))
    }
    this.served += out.length
    return out
  }

  message (r: EntryResult): string {
    return formatJson(this.index.annotate(r))
  }

  private liveMessages (start: number, filter: EntryFilter): LiveStream {
    const follower = this.feed.follow({ start, live: true })
    const gateway = this
    const target = this.feed.length
    async function * readable () {
      for await (const batch of follower) {
        if (!gateway.feed.readable) return // a private feed served without its invite: status only
        yield batch
      }
    }
    return {
      [Symbol.asyncIterator]: () => filteredLive(readable(), {
        start,
        target,
        filter,
        feedAuthor: toHex(gateway.feed.key),
        render: async (batch) => {
          // blocks go out with their validity, once the chain index has checked them
          if (batch.some(r => !isUnreadable(r) && r.value.type === 'block')) await gateway.indexed(batch[batch.length - 1]!.seq + 1, INDEX_WAIT)
          return batch.map(r => gateway.message(r))
        }
      }),
      destroy: () => follower.destroy()
    }
  }

  private peers (): object[] {
    return (this.network?.peers() ?? []).map(p => {
      const peer = p.publicKey === null ? null : peerHas(this.feed.core, Buffer.from(p.publicKey, 'hex'))
      return { type: p.type, remote: p.remote, hasFeed: peer !== null, length: peer?.length ?? null }
    })
  }

  private async postEntry (body: unknown): Promise<object> {
    const { seq } = await this.feed.append(entryFromBody(body))
    return { seq }
  }

  private async postMine (body: unknown): Promise<object> {
    if (this.blocks === null) throw readOnlyFeed()
    const { data, difficulty } = mineBody(body, this.blocks.difficulty)
    const mined = await this.blocks.mine(data, { difficulty })
    return { seq: mined.seq, valid: true, value: mined.block }
  }

  private async postPeer (body: unknown): Promise<object> {
    if (this.network === null) throw noNetwork()
    if (!isObject(body) || typeof body.url !== 'string') throw badRequest('the body must be {"url": "ws://HOST:PORT"}')
    const url = await this.network.addPeer(body.url)
    return { url }
  }

  protected override async _close (): Promise<void> {
    await this.hub.close()
    await this.closeServer()
    await this.blocks?.close()
    await this.chainIndex?.close()
  }
}

// A POSTed entry: a chat {"text","nick"?} or any entry object with a string "type".
export function entryFromBody (body: unknown, defaultNick = WEB_NICK): Entry {
  if (!isObject(body)) throw badRequest('the body must be a JSON object: a chat {"text","nick"?} or an entry with a string "type"')
  if (typeof body.type === 'string') return body as Entry
  if ('type' in body) throw badRequest('an entry needs a string "type" field')
  const keys = Object.keys(body)
  if (typeof body.text !== 'string' || (body.nick !== undefined && typeof body.nick !== 'string') || keys.some(k => k !== 'text' && k !== 'nick')) {
    throw badRequest('a chat body is {"text": string, "nick"?: string}')
  }
  if (body.text.length === 0) throw badRequest('the text is empty')
  return chat((body.nick as string | undefined) || defaultNick, body.text)
}

export function mineBody<D extends number | undefined> (body: unknown, fallback: D): { data: unknown, difficulty: number | D } {
  if (!isObject(body) || !('data' in body)) throw badRequest(`the body must be {"data": any JSON value, "difficulty"?: 0-${MAX_DIFFICULTY}}`)
  const difficulty = body.difficulty === undefined ? fallback : body.difficulty
  if (difficulty === undefined) return { data: body.data, difficulty: undefined as D }
  if (!Number.isInteger(difficulty) || (difficulty as number) < 0 || (difficulty as number) > MAX_DIFFICULTY) throw badRequest(`difficulty must be an integer from 0 to ${MAX_DIFFICULTY}`)
  return { data: body.data, difficulty: difficulty as number | D }
}
