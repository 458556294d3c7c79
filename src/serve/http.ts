import fs from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { type Registry } from 'prom-client'
import ReadyResource from 'ready-resource'
import { WebSocketServer, type WebSocket } from 'ws'
import { MAX_ENTRY_BYTES } from '../entries.js'
import { badListen, badRequest, bodyTooLarge, crossOrigin, hostNotAllowed, isHyperfeedError, methodNotAllowed, notFound, notJson, portInUse, requestFailed, tokenRequired } from '../errors.js'
import { BEARER_PROTOCOL, type Policy, hostAllowed, isLoopbackHost, newToken, originAllowed, tokenAllowed } from './security.js'

export const DEFAULT_PORT = 3001
export const DEFAULT_LISTEN = '127.0.0.1'
export const MAX_PAGE = 1000
// a body may wrap a 1 MiB entry; anything much larger is refused unread
const MAX_BODY = MAX_ENTRY_BYTES + 64 * 1024
const MAX_WS_MESSAGE = 64 * 1024
const PAGE_DIR = new URL('./page/', import.meta.url)
const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/render.js': 'render.js',
  '/room.js': 'room.js',
  '/messages.js': 'messages.js',
  '/search.js': 'search.js',
  '/style.css': 'style.css'
}
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8'
}

const PRIVATE_READS = 'to read this private feed'
// how much of a refused body is read (and dropped) so the client gets its 413
const MAX_DRAINED = 8 * 1024 * 1024

export interface ServerOptions {
  host?: string
  port?: number
  // POSTs need "Authorization: Bearer TOKEN". Listening beyond loopback, one is
  // generated when none is given.
  token?: string | null
  // every request but the page's files needs the token too (when there is one)
  privateReads?: boolean
}

export interface Request {
  req: IncomingMessage
  url: URL
  body: () => Promise<unknown>
  // the last path segment, for a route keyed "METHOD /path/:"
  param: string
}

export type Answer = { status: number, json: unknown } | { status: number, text: string }
export type Routes = Record<string, (r: Request) => Promise<Answer> | Answer>

// node:http plus ws with the security rules every hyperfeed server keeps. Routes
// are a table of "METHOD /path" keys: a handful of fixed paths need no framework;
// "METHOD /path/:" takes any one segment after /path/.
export abstract class JsonServer extends ReadyResource {
  readonly policy: Policy
  readonly host: string
  readonly port: number
  private readonly server: http.Server
  private readonly wss: WebSocketServer

  constructor ({ host = DEFAULT_LISTEN, port = DEFAULT_PORT, token, privateReads = false }: ServerOptions) {
    super()
    this.host = host
    this.port = port
    const loopback = isLoopbackHost(host)
    this.policy = { loopback, token: token ?? (loopback ? null : newToken()), reads: privateReads }
    this.server = http.createServer((req, res) => { this.handle(req, res).catch(err => this.fail(req, res, err)) })
    this.server.on('clientError', (_err, socket) => socket.destroy())
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_WS_MESSAGE,
      handleProtocols: (protocols: Set<string>) => [...protocols].find(p => p.startsWith(BEARER_PROTOCOL)) ?? false
    })
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head))
  }

  protected abstract routes (): Routes
  protected abstract metrics (): Registry
  protected abstract live (ws: WebSocket, url: URL): void

  protected override async _open (): Promise<void> {
    try {
      await this.listen()
    } catch (err) {
      // ready-resource does not run _close after a failed open
      await this._close()
      throw err
    }
  }

  private async listen (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? portInUse(`port ${this.port} on ${this.host} (--port)`) : err.code === 'EADDRNOTAVAIL' ? badListen(this.host) : err)
      })
      this.server.listen(this.port, this.host, () => resolve())
    })
    // from now on an error (say, out of file descriptors) is reported, not thrown
    this.server.on('error', (err) => this.emit('warning', err))
  }

  protected async closeServer (): Promise<void> {
    await new Promise<void>(resolve => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
      // WebSocket clients were told (close 1001); one that does not answer is not waited for
      for (const ws of this.wss.clients) ws.terminate()
    })
    this.wss.close()
  }

  get url (): string {
    const address = this.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : this.port
    const host = this.host.includes(':') ? `[${this.host}]` : this.host
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, this.policy)) throw hostNotAllowed()
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method === 'GET' && ASSETS[url.pathname] !== undefined) return asset(res, ASSETS[url.pathname]!)
    if (this.policy.reads && !tokenAllowed(req, this.policy)) throw tokenRequired(PRIVATE_READS)
    if (req.method === 'GET' && url.pathname === '/metrics') {
      const registry = this.metrics()
      const text = await registry.metrics()
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
      res.end(text)
      return
    }
    const routes = this.routes()
    const slash = url.pathname.lastIndexOf('/')
    const param = url.pathname.slice(slash + 1)
    const route = routes[`${req.method} ${url.pathname}`] ?? (param === '' ? undefined : routes[`${req.method} ${url.pathname.slice(0, slash + 1)}:`])
    if (route === undefined) {
      const methods = Object.keys(routes).filter(k => k.endsWith(' ' + url.pathname)).map(k => k.split(' ')[0])
      if (methods.length > 0 || url.pathname === '/live') throw methodNotAllowed(req.method ?? '', url.pathname, methods.length > 0 ? `use ${methods.join(' or ')}` : '')
      throw notFound(url.pathname)
    }
    if (req.method === 'POST') this.checkWrite(req)
    if (req.method === 'DELETE') this.checkDelete(req)
    const answer = await route({ req, url, body: () => readJson(req), param })
    send(res, answer.status, 'text' in answer ? answer.text : JSON.stringify(answer.json))
  }

  private checkWrite (req: IncomingMessage): void {
    if (!originAllowed(req, this.policy)) throw crossOrigin()
    if (!tokenAllowed(req, this.policy)) throw tokenRequired()
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw notJson()
  }

  // a DELETE has no body: the origin and token rules of a write only
  private checkDelete (req: IncomingMessage): void {
    if (!originAllowed(req, this.policy)) throw crossOrigin()
    if (!tokenAllowed(req, this.policy)) throw tokenRequired()
  }

  private fail (req: IncomingMessage, res: ServerResponse, err: unknown): void {
    let status = 500
    let message = 'internal error'
    if (isHyperfeedError(err)) {
      status = err.status
      message = err.message
    } else if ((err as { code?: string })?.code === 'REQUEST_TIMEOUT') {
      status = 504
      message = 'not available from any peer yet'
    }
    if (status === 500) this.emit('warning', requestFailed(`${req.method} ${(req.url ?? '/').split('?')[0]!.slice(0, 100)}`, (err as Error)?.message ?? String(err)))
    if (res.headersSent) {
      res.destroy()
      return
    }
    if (status === 413) res.setHeader('connection', 'close')
    const answer = () => send(res, status, JSON.stringify({ error: message }))
    // a client still sending would get a broken pipe, not the answer: read and
    // drop what is left of a body refused unread, up to a bound
    if (status !== 413 || req.complete || req.destroyed) return answer()
    let dropped = 0
    req.on('data', (chunk: Buffer) => { if ((dropped += chunk.length) > MAX_DRAINED) req.destroy() })
    req.once('end', answer)
    req.resume()
  }

  private upgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', noop) // a client that vanishes mid-handshake is not our error
    const url = new URL(req.url ?? '/', 'http://localhost')
    const reject = (status: number, message: string) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error: message })}`)
    }
    if (url.pathname !== '/live') return reject(404, `no WebSocket at ${url.pathname}`)
    if (!hostAllowed(req, this.policy) || !originAllowed(req, this.policy)) return reject(403, 'cross-origin WebSocket connections are not allowed')
    if (this.policy.reads && !tokenAllowed(req, this.policy)) return reject(401, tokenRequired(PRIVATE_READS).message)
    try {
      intParam(url, 'start', 0)
    } catch (err) {
      return reject(400, (err as Error).message)
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => this.live(ws, url))
  }
}

export function intParam (url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name)
  if (v === null || v === '') return fallback
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`${name} must be a whole number, not ${JSON.stringify(v)}`)
  return Number(v)
}

export function pageRange (url: URL, length: number): { start: number, end: number } {
  const start = intParam(url, 'start', 0)
  const end = Math.min(intParam(url, 'end', Math.max(start, Math.min(length, start + MAX_PAGE))), start + MAX_PAGE)
  if (end < start) throw badRequest('end must not be before start')
  return { start, end }
}

async function readJson (req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY) throw bodyTooLarge(MAX_BODY)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw bodyTooLarge(MAX_BODY)
    chunks.push(chunk as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw badRequest('the body is not valid JSON')
  }
}

async function asset (res: ServerResponse, file: string): Promise<void> {
  const body = await fs.promises.readFile(new URL(file, PAGE_DIR))
  res.writeHead(200, {
    'content-type': TYPES[file.split('.').pop()!] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
  })
  res.end(body)
}

function send (res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(text)
}

export const json = (status: number, value: unknown): Answer => ({ status, json: value })
export const text = (status: number, body: string): Answer => ({ status, text: body })

function noop () {}
