import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import c from 'compact-encoding'
import Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import ReadyResource from 'ready-resource'

const PROTOCOL = 'hyperfeed/peers'
export const MAX_KNOWN = 32
const MAX_URL = 200
export const MAX_ATTEMPTS = 3
const CANDIDATE_TTL = 60_000
const MAX_NEW_PER_HELLO = 8
const PROBE_TIMEOUT = 10_000
// nodes leave: their addresses must not fill the table
const VERIFIED_TTL = 10 * 60_000

export interface PeerAddress {
  url: string
  id: string
}

interface Hello {
  id: string
  port: number
  host: string
  known: PeerAddress[]
  probe?: true
}

export interface GossipConnection {
  stream: Duplex
  url: string | null
  remoteAddress: string | null
  probe: boolean
  learned: boolean
  close: () => void
}

interface Live {
  conn: GossipConnection
  remoteId: string | null
  remoteProbe: boolean
  send: (hello: Hello) => void
  probeTimer: NodeJS.Timeout | null
}

// Address exchange between direct WebSocket peers, as the tutorials' message network
// does, bounded: only ws(s):// URLs with IP hosts, at most MAX_KNOWN, and only addresses this
// node reached itself are passed on. Only the lower id dials, so two nodes never dial each other at once.
export class Gossip extends ReadyResource {
  readonly id = crypto.randomBytes(32).toString('hex')
  private readonly listen: () => { port: number, host: string }
  private readonly live = new Set<Live>()
  private readonly verified = new Map<string, string>()
  private readonly lastSeen = new Map<string, number>()
  private readonly candidates = new Map<string, { id: string | null, failures: number, since: number }>()

  constructor ({ listen }: { listen: () => { port: number, host: string } }) {
    super()
    this.listen = listen
  }

  protected override async _close (): Promise<void> {
    for (const l of this.live) if (l.probeTimer !== null) clearTimeout(l.probeTimer)
    this.live.clear()
  }

  get known (): PeerAddress[] {
    return [...this.verified].map(([url, id]) => ({ url, id })).slice(0, MAX_KNOWN)
  }

  get connectedIds (): Set<string> {
    const ids = new Set<string>()
    for (const l of this.live) if (l.remoteId !== null && !l.conn.probe && !l.remoteProbe) ids.add(l.remoteId)
    return ids
  }

  attach (conn: GossipConnection): void {
    if (this.closing !== null) return
    const mux = Hypercore.getProtocolMuxer(conn.stream)
    const live: Live = { conn, remoteId: null, remoteProbe: false, send: () => {}, probeTimer: null }
    const channel = mux.createChannel({
      protocol: PROTOCOL,
      onopen: () => message.send(this.hello(conn.probe)),
      onclose: () => this.live.delete(live)
    })
    if (channel === null) return
    const message = channel.addMessage<unknown>({
      encoding: c.json,
      onmessage: (m) => this.onHello(live, m)
    })
    live.send = (hello) => { if (channel.opened && !channel.closed) message.send(hello) }
    this.live.add(live)
    live.probeTimer = conn.probe ? setTimeout(() => { if (live.remoteId === null) conn.close() }, PROBE_TIMEOUT) : null
    live.probeTimer?.unref()
    conn.stream.once('close', () => {
      if (live.probeTimer !== null) clearTimeout(live.probeTimer)
      this.live.delete(live)
    })
    channel.open()
  }

  private hello (probe = false): Hello {
    this.expire()
    const { port, host } = this.listen()
    return { id: this.id, port, host, known: this.known, ...(probe ? { probe: true as const } : {}) }
  }

  private onHello (live: Live, raw: unknown): void {
    if (this.closing !== null) return
    const hello = parseHello(raw)
    if (hello === null) return // not ours to judge further: garbage is ignored
    const { conn } = live
    live.remoteId = hello.id
    live.remoteProbe = hello.probe === true
    if (hello.id === this.id) {
      if (conn.url !== null) this.forget(conn.url)
      conn.close()
      return
    }
    if (conn.url !== null && !this.verified.has(conn.url)) {
      this.verified.set(conn.url, hello.id)
      this.lastSeen.set(conn.url, Date.now())
      this.candidates.delete(conn.url)
      this.trim()
      this.broadcast()
    }
    if (conn.probe) {
      conn.close()
      return
    }
    // a probe is not a connection to keep: its node may be probing our address while we dial its own
    if (conn.learned && [...this.live].some(l => l !== live && l.remoteId === hello.id && !l.conn.probe && !l.remoteProbe)) {
      conn.close()
      return
    }
    // the port is its word, the host where we reach it (a named host could point our dials at anyone)
    this.expire()
    let added = 0
    if (hello.port > 0) {
      const host = conn.remoteAddress ?? hostOf(conn.url)
      const url = host === null ? null : toUrl(host, hello.port)
      if (url !== null && !this.verified.has(url) && this.consider(url, hello.id, true)) added++
    }
    for (const peer of hello.known) {
      if (added >= MAX_NEW_PER_HELLO) break
      if (this.consider(peer.url, peer.id, false)) added++
    }
  }

  private expire (): void {
    const now = Date.now()
    for (const [url, c] of this.candidates) if (now - c.since > CANDIDATE_TTL) this.candidates.delete(url)
    const connected = this.connectedIds
    for (const [url, id] of this.verified) {
      if (connected.has(id)) this.lastSeen.set(url, now)
      else if (now - (this.lastSeen.get(url) ?? now) > VERIFIED_TTL) {
        this.verified.delete(url)
        this.lastSeen.delete(url)
      }
    }
  }

  private consider (url: string, id: string, fromItself: boolean): boolean {
    if (id === this.id || this.verified.has(url)) return false
    const candidate = this.candidates.get(url)
    if (candidate === undefined && this.candidates.size + this.verified.size >= MAX_KNOWN) return false
    if (candidate === undefined) this.candidates.set(url, { id, failures: 0, since: Date.now() })
    const connected = this.connectedIds.has(id)
    if (fromItself || connected) this.emit('dial', url, { probe: true })
    else if (this.id < id) this.emit('dial', url, { probe: false })
    return candidate === undefined
  }

  failed (url: string): boolean {
    const candidate = this.candidates.get(url)
    if (candidate === undefined) return true
    candidate.failures++
    if (candidate.failures < MAX_ATTEMPTS) return false
    this.forget(url)
    return true
  }

  private forget (url: string): void {
    this.candidates.delete(url)
    this.verified.delete(url)
    this.lastSeen.delete(url)
    this.broadcast()
  }

  private trim (): void {
    while (this.verified.size > MAX_KNOWN) {
      const oldest = this.verified.keys().next().value!
      this.verified.delete(oldest)
      this.lastSeen.delete(oldest)
    }
  }

  private broadcast (): void {
    const hello = this.hello()
    for (const l of this.live) if (!l.conn.probe) l.send(hello)
  }
}

function parseHello (raw: unknown): Hello | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null
  const { id, port, host, known, probe } = raw as Record<string, unknown>
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) return null
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) return null
  if (typeof host !== 'string' || (host !== '' && isIP(host) === 0)) return null
  const peers: PeerAddress[] = []
  if (Array.isArray(known)) {
    for (const p of known.slice(0, MAX_KNOWN)) {
      if (typeof p !== 'object' || p === null) continue
      const { url, id: peerId } = p as Record<string, unknown>
      if (typeof url !== 'string' || typeof peerId !== 'string' || !/^[0-9a-f]{64}$/.test(peerId)) continue
      const checked = checkGossipUrl(url)
      if (checked !== null) peers.push({ url: checked, id: peerId })
    }
  }
  return { id, port: port as number, host, known: peers, ...(probe === true ? { probe: true as const } : {}) }
}

export function checkGossipUrl (url: string): string | null {
  if (url.length > MAX_URL) return null
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return null
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) === 0 || parsed.port === '' || parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '') return null
  return parsed.toString()
}

function hostOf (url: string | null): string | null {
  if (url === null) return null
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return null
  }
}

function toUrl (host: string, port: number): string | null {
  const bare = host.startsWith('::ffff:') ? host.slice(7) : host
  if (isIP(bare) === 0 || bare === '0.0.0.0' || bare === '::') return null
  return checkGossipUrl(`ws://${isIP(bare) === 6 ? `[${bare}]` : bare}:${port}`)
}
