import type { Duplex } from 'node:stream'
import pump from 'pump'
import ReadyResource from 'ready-resource'
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws'
import { portInUse, usage } from '../errors.js'

const RECONNECT_MIN = 250
const RECONNECT_MAX = 15_000
const MAX_PAYLOAD = 64 * 1024 * 1024
const MAX_INBOUND = 256

export type ProtocolStreamFactory = (isInitiator: boolean) => Duplex

// A WebSocket is a plain byte stream: replication runs its own encrypted protocol stream over
// it. A socket closed during the handshake never ends the stream's side of the pipe.
function replicateOver (protocolStream: ProtocolStreamFactory, ws: WebSocket, isInitiator: boolean, onclose: () => void): Duplex {
  const socket = createWebSocketStream(ws)
  const stream = protocolStream(isInitiator)
  pump(socket, stream, socket, () => onclose())
  ws.once('close', () => stream.destroy())
  return stream
}

export interface WsConnection {
  remote: string
  remoteAddress: string | null
  stream: Duplex
  close: () => void
}

export interface WsPeerOptions {
  // default: never give up
  maxAttempts?: number
  once?: boolean
  // given by the user (--peer, PEERS, /addPeers), not learned
  given?: boolean
}

// A socket that has not answered the ping sent one interval ago is dead (a
// peer frozen or cut off sends no close): it is dropped, so peer lists show
// only live connections.
export const HEARTBEAT_MS = 5000

function heartbeat (ws: WebSocket): void {
  let alive = true
  ws.on('pong', () => { alive = true })
  const timer = setInterval(() => {
    if (!alive) {
      ws.terminate()
      return
    }
    if (ws.readyState !== WebSocket.OPEN) return
    alive = false
    ws.ping()
  }, HEARTBEAT_MS)
  timer.unref()
  ws.once('close', () => clearInterval(timer))
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

export class WsListener extends ReadyResource {
  private server: WebSocketServer | null = null
  private readonly protocolStream: ProtocolStreamFactory
  private readonly listen: { port: number, host: string }
  private readonly sockets = new Set<WebSocket>()
  readonly active = new Set<WsConnection>()

  constructor (protocolStream: ProtocolStreamFactory, { port, host = '0.0.0.0' }: { port: number, host?: string }) {
    super()
    this.protocolStream = protocolStream
    this.listen = { port, host }
  }

  protected override async _open (): Promise<void> {
    const { port, host } = this.listen
    const server = new WebSocketServer({ port, host, maxPayload: MAX_PAYLOAD })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve)
      server.once('error', (err: NodeJS.ErrnoException) => {
        server.close()
        reject(err.code === 'EADDRINUSE' ? portInUse(`--ws-port ${port}`) : err)
      })
    })
    // say, out of file descriptors on accept: reported, never an uncaught 'error'
    server.on('error', (err) => this.emit('warning', err))
    server.on('connection', (ws, req) => this.accept(ws, req.socket.remoteAddress, req.socket.remotePort))
  }

  private accept (ws: WebSocket, address: string | undefined, port: number | undefined): void {
    if (this.sockets.size >= MAX_INBOUND || this.closing !== null) {
      ws.terminate() // a flood of connections is shed, not served
      return
    }
    this.sockets.add(ws)
    ws.on('error', (err) => this.emit('warning', err))
    heartbeat(ws)
    const remote = `ws://${address}:${port}`
    const conn: WsConnection = {
      remote,
      remoteAddress: address ?? null,
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
  }

  get port (): number {
    const address = this.server?.address()
    return typeof address === 'object' && address !== null ? address.port : 0
  }

  get connections (): number {
    return this.sockets.size
  }

  protected override async _close (): Promise<void> {
    const server = this.server
    if (server === null) return
    for (const ws of this.sockets) ws.terminate()
    await new Promise<void>(resolve => server.close(() => resolve()))
  }
}

export class WsPeer extends ReadyResource {
  readonly url: string
  private readonly protocolStream: ProtocolStreamFactory
  private ws: WebSocket | null = null
  stream: Duplex | null = null
  private timer: NodeJS.Timeout | null = null
  private delay = RECONNECT_MIN
  private gaveUp = false
  private failures = 0
  private readonly opts: WsPeerOptions
  connected = false

  get given (): boolean {
    return this.opts.given === true
  }

  constructor (protocolStream: ProtocolStreamFactory, url: string, opts: WsPeerOptions = {}) {
    super()
    this.protocolStream = protocolStream
    this.url = checkWsUrl(url).toString()
    this.opts = opts
  }

  // closed, or gave up reconnecting
  get stopped (): boolean {
    return this.gaveUp || this.closing !== null
  }

  protected override async _open (): Promise<void> {
    this.connect()
  }

  private connect (): void {
    if (this.stopped || this.ws !== null) return
    const ws = new WebSocket(this.url, { maxPayload: MAX_PAYLOAD })
    this.ws = ws
    ws.on('error', (err) => this.emit('warning', err))
    ws.once('open', () => {
      this.delay = RECONNECT_MIN
      this.failures = 0
      this.connected = true
      heartbeat(ws)
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
      const giveUp = wasConnected ? this.opts.once === true : ++this.failures >= (this.opts.maxAttempts ?? Infinity)
      if (giveUp && !this.stopped) {
        this.gaveUp = true
        this.emit('gave-up')
        return
      }
      this.scheduleReconnect()
    })
  }

  private scheduleReconnect (): void {
    if (this.stopped) return
    this.timer = setTimeout(() => { this.timer = null; this.connect() }, this.delay)
    this.delay = Math.min(RECONNECT_MAX, this.delay * 2)
  }

  protected override async _close (): Promise<void> {
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
