import fs from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { type Entry, type EntryResult, MAX_ENTRY_BYTES, chat, formatJson, isObject } from '../entries.js'
import { HyperfeedError, encryptedFeed, portInUse } from '../errors.js'
import type { Feed } from '../feed.js'
import { toHex } from '../keys.js'
import { DEFAULT_DIFFICULTY } from '../blocks.js'
import { Miner, checkDifficulty, mineNext } from '../mine.js'
import type { Network } from '../network/swarm.js'
import { ChainIndex } from './chain-index.js'
import { LiveHub } from './live.js'
import { type Policy, hostAllowed, isLoopbackHost, newToken, originAllowed, tokenAllowed } from './security.js'

export const DEFAULT_PORT = 3001
export const DEFAULT_LISTEN = '127.0.0.1'
const MAX_PAGE = 1000
// a body may wrap a 1 MiB entry; anything much larger is refused unread
const MAX_BODY = MAX_ENTRY_BYTES + 64 * 1024
const READ_TIMEOUT = 10_000
const WEB_NICK = 'web'
const PAGE_DIR = new URL('./page/', import.meta.url)
const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css'
}
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8'
}

export interface GatewayOptions {
  feed: Feed
  network?: Network | null
  host?: string
  port?: number
  // POSTs need "Authorization: Bearer TOKEN". Listening beyond loopback, one is
  // generated when none is given.
  token?: string | null
  difficulty?: number
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

class HttpError extends Error {
  readonly status: number
  constructor (status: number, message: string) {
    super(message)
    this.status = status
  }
}

// HTTP API, /live WebSocket and the web page for one feed, on node:http and ws.
export class Gateway {
  readonly feed: Feed
  readonly network: Network | null
  readonly index: ChainIndex
  readonly policy: Policy
  private readonly host: string
  private readonly port: number
  private readonly difficulty: number
  private readonly server: http.Server
  private readonly wss: WebSocketServer
  private readonly live: LiveHub
  private miner: Miner | null = null
  private mining: Promise<unknown> = Promise.resolve()
  private updated = false
  private closing: Promise<void> | null = null

  constructor ({ feed, network = null, host = DEFAULT_LISTEN, port = DEFAULT_PORT, token, difficulty = DEFAULT_DIFFICULTY }: GatewayOptions) {
    this.feed = feed
    this.network = network
    this.host = host
    this.port = port
    this.difficulty = checkDifficulty(difficulty)
    const loopback = isLoopbackHost(host)
    this.policy = { loopback, token: token ?? (loopback ? null : newToken()) }
    this.index = new ChainIndex(feed)
    this.index.on('error', () => {})
    this.server = http.createServer((req, res) => { this.handle(req, res).catch(err => this.fail(res, err)) })
    this.server.on('clientError', (_err, socket) => socket.destroy())
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
    this.live = new LiveHub(this)
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head))
    if (!feed.writable) feed.update().then(() => { this.updated = true; this.live.statusChanged() }, () => {})
  }

  async listen (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? portInUse(`port ${this.port} on ${this.host} (--port)`) : err.code === 'EADDRNOTAVAIL' ? new HyperfeedError('BAD_LISTEN', `cannot listen on ${this.host}: not an address of this machine (--listen)`) : err)
      })
      this.server.listen(this.port, this.host, () => resolve())
    })
  }

  get url (): string {
    const address = this.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : this.port
    const host = this.host.includes(':') ? `[${this.host}]` : this.host
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`
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
      blocks: this.index.blocks,
      encrypted: this.feed.encrypted,
      readable: this.feed.readable
    }
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, this.policy)) throw new HttpError(403, 'this server only answers to loopback host names')
    const url = new URL(req.url ?? '/', 'http://localhost')
    const route = `${req.method} ${url.pathname}`
    if (req.method === 'GET' && ASSETS[url.pathname] !== undefined) return this.asset(res, ASSETS[url.pathname]!)
    if (req.method === 'POST') this.checkWrite(req)
    switch (route) {
      case 'GET /api/info': return this.json(res, 200, this.status())
      case 'GET /api/entries': return this.send(res, 200, await this.entries(url))
      case 'GET /api/blocks': return this.send(res, 200, await this.blocks(url))
      case 'GET /api/peers': return this.json(res, 200, this.peers())
      case 'POST /api/entries': return this.json(res, 201, await this.postEntry(await readJson(req)))
      case 'POST /api/mine': return this.json(res, 201, await this.postMine(await readJson(req)))
      case 'POST /api/peers': return this.json(res, 201, await this.postPeer(await readJson(req)))
    }
    if (['/api/info', '/api/entries', '/api/blocks', '/api/peers', '/api/mine', '/live'].includes(url.pathname)) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}`)
    throw new HttpError(404, `no such path: ${url.pathname}`)
  }

  private checkWrite (req: IncomingMessage): void {
    if (!originAllowed(req, this.policy)) throw new HttpError(403, 'cross-origin requests cannot write to this feed')
    if (!tokenAllowed(req, this.policy)) throw new HttpError(401, 'this server needs "Authorization: Bearer TOKEN" (the token hyperfeed serve printed) to write')
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send the body as application/json')
  }

  private range (url: URL): { start: number, end: number } {
    const start = intParam(url, 'start', 0)
    const length = this.feed.length
    const end = Math.min(intParam(url, 'end', Math.max(start, Math.min(length, start + MAX_PAGE))), start + MAX_PAGE)
    if (end < start) throw new HttpError(400, 'end must not be before start')
    return { start, end }
  }

  // Entries [start, end) (at most 1000), from the local copy, downloading what is missing.
  private checkReadable (): void {
    if (!this.feed.readable) throw encryptedFeed(toHex(this.feed.key))
  }

  private async entries (url: URL): Promise<string> {
    this.checkReadable()
    const { start, end } = this.range(url)
    const upto = Math.min(end, this.feed.length)
    if (upto <= start) return '[]'
    if (!(await this.index.reached(upto, READ_TIMEOUT))) throw new HttpError(504, `entries up to ${upto} are not available from any peer yet`)
    const entries = await this.feed.read(start, upto)
    return '[' + entries.map(r => this.message(r)).join(',') + ']'
  }

  // The chain's block entries in [start, end) of the feed, with their validity.
  private async blocks (url: URL): Promise<string> {
    this.checkReadable()
    const start = intParam(url, 'start', 0)
    const end = url.searchParams.has('end') ? intParam(url, 'end', 0) : Infinity
    if (end < start) throw new HttpError(400, 'end must not be before start')
    const seqs = this.index.blocksIn(start, end, MAX_PAGE)
    const out: string[] = []
    for (const seq of seqs) {
      const r = await this.feed.get(seq, { timeout: READ_TIMEOUT })
      if (r !== null) out.push(this.message(r))
    }
    return '[' + out.join(',') + ']'
  }

  // An entry as `view --json` prints it (blocks with their validity).
  message (r: EntryResult): string {
    return formatJson(this.index.annotate(r))
  }

  private peers (): object[] {
    const corePeers = this.feed.core.peers
    return (this.network?.peers() ?? []).map(p => {
      const peer = p.publicKey === null ? undefined : corePeers.find(c => toHex(c.remotePublicKey) === p.publicKey)
      return { type: p.type, remote: p.remote, hasFeed: peer !== undefined, length: peer?.remoteLength ?? null }
    })
  }

  private async postEntry (body: unknown): Promise<object> {
    if (!isObject(body)) throw new HttpError(400, 'the body must be a JSON object: a chat {"text","nick"?} or an entry with a string "type"')
    let entry: Entry
    if (typeof body.type === 'string') {
      entry = body as Entry
    } else if ('type' in body) {
      throw new HttpError(400, 'an entry needs a string "type" field')
    } else {
      const keys = Object.keys(body)
      if (typeof body.text !== 'string' || (body.nick !== undefined && typeof body.nick !== 'string') || keys.some(k => k !== 'text' && k !== 'nick')) {
        throw new HttpError(400, 'a chat body is {"text": string, "nick"?: string}')
      }
      if (body.text.length === 0) throw new HttpError(400, 'the text is empty')
      entry = chat((body.nick as string | undefined) || WEB_NICK, body.text)
    }
    const { seq } = await this.feed.append(entry)
    return { seq }
  }

  private async postMine (body: unknown): Promise<object> {
    if (!this.feed.writable) throw new HttpError(403, 'this feed is read-only here: only its writer can mine blocks')
    if (!isObject(body) || !('data' in body)) throw new HttpError(400, 'the body must be {"data": any JSON value, "difficulty"?: 0-32}')
    const difficulty = body.difficulty === undefined ? this.difficulty : body.difficulty
    if (!Number.isInteger(difficulty) || (difficulty as number) < 0 || (difficulty as number) > 32) throw new HttpError(400, 'difficulty must be an integer from 0 to 32')
    this.miner ??= new Miner()
    const miner = this.miner
    // one block at a time: each mines on the tip the previous one made
    const run = this.mining.then(() => mineNext(this.feed, body.data, { difficulty: difficulty as number, miner }))
    this.mining = run.catch(() => {})
    const mined = await run
    return { seq: mined.seq, valid: true, value: mined.block }
  }

  private async postPeer (body: unknown): Promise<object> {
    if (this.network === null) throw new HttpError(503, 'this server has no network')
    if (!isObject(body) || typeof body.url !== 'string') throw new HttpError(400, 'the body must be {"url": "ws://HOST:PORT"}')
    const url = await this.network.addPeer(body.url)
    return { url }
  }

  private async asset (res: ServerResponse, file: string): Promise<void> {
    const body = await fs.promises.readFile(new URL(file, PAGE_DIR))
    res.writeHead(200, {
      'content-type': TYPES[file.split('.').pop()!] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    })
    res.end(body)
  }

  private json (res: ServerResponse, status: number, body: unknown): void {
    this.send(res, status, JSON.stringify(body))
  }

  private send (res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff'
    })
    res.end(text)
  }

  private fail (res: ServerResponse, err: unknown): void {
    let status = 500
    let message = 'internal error'
    if (err instanceof HttpError) {
      status = err.status
      message = err.message
    } else if (err instanceof HyperfeedError) {
      status = err.status
      message = err.message
    } else if ((err as { code?: string })?.code === 'REQUEST_TIMEOUT') {
      status = 504
      message = 'not available from any peer yet'
    }
    if (res.headersSent) {
      res.destroy()
      return
    }
    if (status === 413) res.setHeader('connection', 'close')
    this.json(res, status, { error: message })
  }

  private upgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    const url = new URL(req.url ?? '/', 'http://localhost')
    const reject = (status: number, message: string) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error: message })}`)
    }
    if (url.pathname !== '/live') return reject(404, `no WebSocket at ${url.pathname}`)
    if (!hostAllowed(req, this.policy) || !originAllowed(req, this.policy)) return reject(403, 'cross-origin WebSocket connections are not allowed')
    let start: number
    try {
      start = intParam(url, 'start', 0)
    } catch (err) {
      return reject(400, (err as Error).message)
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => this.live.add(ws, start))
  }

  close (): Promise<void> {
    if (this.closing === null) this.closing = this.closeNow()
    return this.closing
  }

  private async closeNow (): Promise<void> {
    await this.live.close()
    await new Promise<void>(resolve => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    this.wss.close()
    await this.miner?.close()
    await this.mining
    await this.index.close()
  }
}

function intParam (url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name)
  if (v === null || v === '') return fallback
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new HttpError(400, `${name} must be a whole number, not ${JSON.stringify(v)}`)
  return Number(v)
}

async function readJson (req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY) throw new HttpError(413, `the body is over ${MAX_BODY} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new HttpError(413, `the body is over ${MAX_BODY} bytes`)
    chunks.push(chunk as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'the body is not valid JSON')
  }
}
