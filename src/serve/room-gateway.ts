import { isAdmin } from '../room/state.js'
import type { WebSocket } from 'ws'
import type { Registry } from 'prom-client'
import safetyCatch from 'safety-catch'
import { isObject } from '../entries.js'
import { badRequest, methodNotAllowed, noNetwork } from '../errors.js'
import { toHex, toZ32 } from '../keys.js'
import type { Network } from '../network/swarm.js'
import { formatRoomJson } from '../room/format.js'
import { names } from '../room/names.js'
import type { RoomEntry } from '../room/follow.js'
import type { Room } from '../room/room.js'
import { JsonServer, type Routes, type ServerOptions, intParam, json, pageRange, text } from './http.js'
import { LiveHub, type LiveStream } from './live.js'
import { createMetrics } from './metrics.js'
import { entryFromBody, mineBody } from './gateway.js'
import { RoomChain } from '../room/chain.js'
import { RoomMiner } from '../room/miner.js'
import type { LocalSearch } from '../search/local.js'
import { searchRoute } from './search-route.js'
import { type EntryFilter, filterFromUrl, isFiltering } from '../filter.js'
import { filteredLive, filteredPage } from './filtered.js'

const SYNC_BEFORE_MINING = 5000

export interface RoomGatewayOptions extends ServerOptions {
  room: Room
  network?: Network | null
  nick?: string
  // GET /api/search (404 without)
  search?: LocalSearch | null
}

export interface RoomStatus {
  type: 'info'
  room: true
  key: string
  z32: string
  writer: string
  member: boolean
  // this gateway can remove members (DELETE /api/members/KEY)
  admin: boolean
  length: number
  signedLength: number
  members: number
  peers: number
  difficulty: number | null
  blocks: number
  tip: { height: number, hash: string } | null
  // the page's fields for feeds, so one page serves both
  writable: boolean
  synced: boolean
  contiguousLength: number
  readable: boolean
}

// The feed gateway's shapes, with author and authorSeq on every entry.
export class RoomGateway extends JsonServer {
  readonly room: Room
  readonly network: Network | null
  private readonly nick: string
  private readonly search: LocalSearch | null
  private readonly chain: RoomChain
  private readonly miner: RoomMiner
  private readonly hub: LiveHub
  private readonly registry: Registry
  private readonly table: Routes
  private served = 0
  private readonly onUpdate = () => { this.refresh().catch(safetyCatch) }
  private cached: { member: boolean, admin: boolean, members: number, difficulty: number | null, blocks: number, tip: { height: number, hash: string } | null } = { member: false, admin: false, members: 0, difficulty: null, blocks: 0, tip: null }

  constructor ({ room, network = null, nick = 'web', search = null, ...server }: RoomGatewayOptions) {
    super(server)
    this.search = search
    this.room = room
    this.network = network
    this.nick = nick
    this.chain = new RoomChain(room)
    this.miner = new RoomMiner(room)
    this.hub = new LiveHub({
      messages: (start, filter) => this.liveMessages(start, filter),
      status: () => {
        const status = this.status()
        return { message: JSON.stringify(status), shown: JSON.stringify(status) }
      },
      changes: [[room, 'update'], ...(network ? [[network, 'connection'], [network, 'disconnection']] as [Network, string][] : [])]
    })
    this.registry = createMetrics({
      network,
      length: () => room.length,
      transfer: () => room.transfer,
      liveClients: () => this.hub.size,
      entriesServed: () => this.served + this.hub.sent,
      gauges: { hyperfeed_room_members: { help: 'members of the room (not removed)', value: () => this.cached.members } }
    })
    this.table = {
      'GET /api/info': () => json(200, this.status()),
      'GET /api/entries': ({ url }) => this.entries(url),
      'GET /api/members': async () => json(200, await this.memberList()),
      'GET /api/search': async ({ url }) => text(200, await searchRoute(this.search, url, (hits) => this.hitEntries(hits.map(h => h.seq)))),
      'GET /api/peers': () => json(200, this.network?.peers() ?? []),
      'DELETE /api/members/:': async ({ param }) => json(200, await this.removeMember(param)),
      'POST /api/entries': async ({ body }) => json(201, await this.post(await body())),
      'POST /api/invites': async () => json(201, { invite: await room.createInvite() }),
      'POST /api/peers': async ({ body }) => json(201, await this.postPeer(await body())),
      'GET /api/chain': async () => json(200, await this.chainReport()),
      'POST /api/blocks': async ({ body }) => json(201, await this.mine(await body(), false)),
      // the blockchain tutorials' routes, so their curl steps work unchanged
      'GET /blocks': async () => json(200, await this.blockList()),
      'POST /mine': async ({ body }) => json(201, await this.mine(await body(), true)),
      'POST /mineBlock': async ({ body }) => json(201, await this.mine(await body(), true)),
      'GET /peers': () => json(200, this.wsPeers()),
      'POST /addPeers': async ({ body }) => json(201, await this.addPeers(await body())),
      'POST /addPeer': async ({ body }) => {
        const b = await body()
        if (!isObject(b) || typeof b.peer !== 'string') throw badRequest('the body must be {"peer": "ws://HOST:PORT"}')
        return json(201, await this.addPeers([b.peer]))
      },
      // the message-network tutorial's GETs that change things: any web page
      // could fire them, so they are POSTs here
      'GET /add': () => { throw methodNotAllowed('GET', '/add', 'it changes the node: use POST /addPeer {"peer": "ws://HOST:PORT"}') },
      'GET /commit': () => { throw methodNotAllowed('GET', '/commit', 'it changes the room: use POST /api/entries {"text": "..."}') }
    }
  }

  protected override async _open (): Promise<void> {
    this.room.on('update', this.onUpdate)
    await this.refresh()
    await this.hub.ready()
    await super._open()
  }

  protected routes (): Routes { return this.table }
  protected metrics (): Registry { return this.registry }
  protected live (ws: WebSocket, url: URL): void { this.hub.accept(ws, url) }

  private async refresh (): Promise<void> {
    const members = await this.room.members()
    const config = await this.room.config()
    const chain = await this.chain.summary()
    const self = members.find(m => m.self && m.removed === null)
    this.cached = {
      member: self !== undefined,
      admin: self !== undefined && isAdmin(self),
      members: members.filter(m => m.removed === null).length,
      difficulty: config?.difficulty ?? null,
      blocks: chain.tip === null ? 0 : chain.tip.height + 1,
      tip: chain.tip === null ? null : { height: chain.tip.height, hash: chain.tip.hash }
    }
  }

  status (): RoomStatus {
    const length = this.room.length
    return {
      type: 'info',
      room: true,
      key: toHex(this.room.key),
      z32: toZ32(this.room.key),
      writer: toHex(this.room.writerKey),
      member: this.cached.member,
      admin: this.cached.admin,
      length,
      signedLength: this.room.signedLength,
      members: this.cached.members,
      peers: this.network?.connections ?? 0,
      difficulty: this.cached.difficulty,
      blocks: this.cached.blocks,
      tip: this.cached.tip,
      writable: this.cached.member,
      synced: true,
      contiguousLength: length,
      readable: true
    }
  }

  // each with the name the CLI shows it by
  private async memberList () {
    const members = await this.room.members()
    const shown = names(members)
    return members.map(m => ({ ...m, name: shown.get(m.key) }))
  }

  private async entries (url: URL) {
    const filter = filterFromUrl(url.searchParams)
    const filtering = isFiltering(filter) || filter.limit !== null
    const { start, end } = filtering ? { start: intParam(url, 'start', 0), end: Math.min(this.room.length, url.searchParams.has('end') ? intParam(url, 'end', 0) : this.room.length) } : pageRange(url, this.room.length)
    const entries = filtering ? await filteredPage((s, e) => this.room.read(s, e), { start, length: end, filter }) : await this.room.read(start, end)
    this.served += entries.length
    const marks = await this.chain.marks(entries)
    return text(200, '[' + entries.map(r => formatRoomJson(r, marks.get(r))).join(',') + ']')
  }

  private async hitEntries (seqs: number[]): Promise<string[]> {
    const entries: RoomEntry[] = []
    for (const seq of seqs) entries.push(...await this.room.read(seq, seq + 1))
    this.served += entries.length
    const marks = await this.chain.marks(entries)
    return entries.map(r => formatRoomJson(r, marks.get(r)))
  }

  private liveMessages (start: number, filter: EntryFilter): LiveStream {
    const follower = this.room.follow({ start, live: true })
    const chain = this.chain
    return {
      [Symbol.asyncIterator]: () => filteredLive(follower, {
        start,
        target: this.room.length,
        filter,
        render: async (batch) => {
          const marks = await chain.marks(batch)
          return batch.map((r: RoomEntry) => formatRoomJson(r, marks.get(r)))
        }
      }),
      destroy: () => follower.destroy(),
      notices: (send) => {
        follower.on('dropped', (dropped: { author: string, authorSeq: number }[]) => {
          for (const d of dropped) send(JSON.stringify({ type: 'dropped', author: d.author, authorSeq: d.authorSeq }))
        })
      }
    }
  }

  private async removeMember (key: string): Promise<object> {
    if (!/^[0-9a-fA-F]{64}$/.test(key)) throw badRequest('DELETE /api/members/KEY needs the member\'s key (64 hex characters, as GET /api/members lists it)')
    const removed = await this.room.remove(key)
    await this.refresh()
    return removed
  }

  private async chainReport () {
    const blocks = []
    for await (const b of this.chain.blocks()) blocks.push({ height: b.height, hash: b.hash, author: b.author, value: b.value })
    return { ...(await this.chain.summary()), blocks }
  }

  private async blockList () {
    const blocks = []
    for await (const b of this.chain.blocks()) blocks.push(b.value)
    return blocks
  }

  private async mine (body: unknown, tutorial: boolean): Promise<object> {
    const { data, difficulty } = mineBody(body, undefined)
    // on the tip the room agrees on: what connected members have first
    if ((this.network?.connections ?? 0) > 0) await this.room.sync({ timeout: SYNC_BEFORE_MINING })
    const mined = await this.miner.mine(data, { difficulty })
    return tutorial ? mined.block : { author: toHex(this.room.writerKey), authorSeq: mined.authorSeq, restarts: mined.restarts, value: mined.block }
  }

  private wsPeers (): string[] {
    return (this.network?.peers() ?? []).filter(p => p.type === 'ws').map(p => p.remote)
  }

  private async addPeers (urls: unknown): Promise<object> {
    if (this.network === null) throw noNetwork()
    if (!Array.isArray(urls) || urls.some(u => typeof u !== 'string')) throw badRequest('the body must be a JSON array of ws:// URLs')
    const added = []
    for (const url of urls as string[]) added.push(await this.network.addPeer(url))
    return { peers: added }
  }

  private async post (body: unknown): Promise<object> {
    const entry = entryFromBody(body, this.nick)
    const { seq } = await this.room.append([entry])
    return { author: toHex(this.room.writerKey), authorSeq: seq }
  }

  private async postPeer (body: unknown): Promise<object> {
    if (this.network === null) throw noNetwork()
    if (!isObject(body) || typeof body.url !== 'string') throw badRequest('the body must be {"url": "ws://HOST:PORT"}')
    return { url: await this.network.addPeer(body.url) }
  }

  protected override async _close (): Promise<void> {
    this.room.off('update', this.onUpdate)
    await this.hub.close()
    await this.closeServer()
    await this.miner.close()
  }
}
