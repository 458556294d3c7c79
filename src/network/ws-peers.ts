import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import pump from 'pump'
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws'
import { portInUse, usage } from '../errors.js'
import safetyCatch from 'safety-catch'

const RECONNECT_MIN = 250
const RECONNECT_MAX = 15_000
const MAX_PAYLOAD = 64 * 1024 * 1024

// Makes a new encrypted replication stream (what store.replicate(isInitiator) returns).
export type ProtocolStreamFactory = (isInitiator: boolean) => Duplex

// A WebSocket is a plain byte stream, so replication runs its own encrypted
// protocol stream over it: pump ends both sides when either errors or closes.
function replicateOver (protocolStream: ProtocolStreamFactory, ws: WebSocket, isInitiator: boolean, onclose: () => void): Duplex {
  const socket = createWebSocketStream(ws)
  const stream = protocolStream(isInitiator)
  pump(socket, stream, socket, () => onclose())
  return stream
}

export interface WsConnection {
  remote: string
  remoteAddress: string | null
  stream: Duplex
  close: () => void
}

export interface WsPeerOptions {
  // give up after this many attempts in a row that do not connect (default: never)
  maxAttempts?: number
  // connect once: no reconnecting after the link drops
  once?: boolean
}

export function checkWsUrl (url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw usage(`not a WebSocket URL: ${JSON.stringify(url)} (expected ws://HOST:PORT)`)
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw usage(`not a WebSocket URL: ${JSON.stringify(url)} (expected ws://HOST:PORT)`)
  return parsed
}

// most inbound WebSocket peers at once
const MAX_INBOUND = 256

// Accepts replication connections on a WebSocket port (--ws-port).
export class WsListener extends EventEmitter {
  private readonly server: WebSocketServer
  private readonly protocolStream: ProtocolStreamFactory
  private readonly sockets = new Set<WebSocket>()
  readonly active = new Set<WsConnection>()
  readonly listening: Promise<void>
  private closing: Promise<void> | null = null

  constructor (protocolStream: ProtocolStreamFactory, { port, host = '0.0.0.0' }: { port: number, host?: string }) {
    super()
    this.protocolStream = protocolStream
    this.server = new WebSocketServer({ port, host, maxPayload: MAX_PAYLOAD })
    this.listening = new Promise((resolve, reject) => {
      this.server.once('listening', resolve)
      this.server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? portInUse(`--ws-port ${port}`) : err)
      })
    })
    this.listening.catch(safetyCatch) // awaited (and reported) by the network
    // after listening, an error (say, out of file descriptors on accept) is
    // reported, never thrown as an uncaught 'error' event
    this.listening.then(() => this.server.on('error', (err) => this.emit('warning', err)), noop)
    this.server.on('connection', (ws, req) => {
      if (this.sockets.size >= MAX_INBOUND) {
        ws.terminate() // a flood of connections is shed, not served
        return
      }
      this.sockets.add(ws)
      ws.on('error', (err) => this.emit('warning', err))
      const remote = `ws://${req.socket.remoteAddress}:${req.socket.remotePort}`
      const conn: WsConnection = {
        remote,
        remoteAddress: req.socket.remoteAddress ?? null,
        stream: replicateOver(this.protocolStream, ws, false, () => {
          this.sockets.delete(ws)
          this.active.delete(conn)
          ws.terminate()
          this.emit('disconnection', remote)
        }),
        close: () => ws.terminate()
      }
      this.active.add(conn)
      this.emit('stream', conn)
      this.emit('connection', remote)
    })
  }

  get port (): number {
    const address = this.server.address()
    return typeof address === 'object' && address !== null ? address.port : 0
  }

  get connections (): number {
    return this.sockets.size
  }

  close (): Promise<void> {
    if (this.closing === null) {
      this.closing = new Promise(resolve => {
        for (const ws of this.sockets) ws.terminate()
        this.server.close(() => resolve())
      })
    }
    return this.closing
  }
}

// Keeps one replication connection to a WebSocket peer (--peer), reconnecting
// with exponential backoff whenever the link drops.
export class WsPeer extends EventEmitter {
  readonly url: string
  private readonly protocolStream: ProtocolStreamFactory
  private ws: WebSocket | null = null
  stream: Duplex | null = null
  private timer: NodeJS.Timeout | null = null
  private delay = RECONNECT_MIN
  private closed = false
  private failures = 0
  private readonly opts: WsPeerOptions
  connected = false

  constructor (protocolStream: ProtocolStreamFactory, url: string, opts: WsPeerOptions = {}) {
    super()
    this.protocolStream = protocolStream
    this.url = checkWsUrl(url).toString()
    this.opts = opts
  }

  get stopped (): boolean {
    return this.closed
  }

  start (): void {
    if (this.closed || this.ws !== null) return
    const ws = new WebSocket(this.url, { maxPayload: MAX_PAYLOAD })
    this.ws = ws
    ws.on('error', (err) => this.emit('warning', err))
    ws.once('open', () => {
      this.delay = RECONNECT_MIN
      this.failures = 0
      this.connected = true
      this.stream = replicateOver(this.protocolStream, ws, true, () => ws.terminate())
      this.emit('stream', this.stream)
      this.emit('connection', this.url)
    })
    ws.once('close', () => {
      const wasConnected = this.connected
      this.connected = false
      this.ws = null
      this.stream = null
      if (wasConnected) this.emit('disconnection', this.url)
      if (!wasConnected && ++this.failures >= (this.opts.maxAttempts ?? Infinity)) {
        this.closed = true
        this.emit('gave-up')
        return
      }
      if (wasConnected && this.opts.once === true) {
        this.closed = true
        this.emit('gave-up')
        return
      }
      this.scheduleReconnect()
    })
  }

  private scheduleReconnect (): void {
    if (this.closed) return
    this.timer = setTimeout(() => { this.timer = null; this.start() }, this.delay)
    this.delay = Math.min(RECONNECT_MAX, this.delay * 2)
  }

  async close (): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const ws = this.ws
    if (ws === null) return
    await new Promise<void>(resolve => {
      ws.once('close', () => resolve())
      ws.terminate()
    })
  }
}

function noop () {}
