import { createHmac } from 'node:crypto'
import multicastDns from 'multicast-dns'
import ReadyResource from 'ready-resource'
import { lanUnavailable } from '../errors.js'
import { type LanInterface, sameSubnet } from './lan-interface.js'
import { TTL, announcement, asksFor, question, sightings } from './mdns-records.js'

const MDNS_GROUP = '224.0.0.251'
const MDNS_PORT = 5353
const TOPIC_CONTEXT = 'hyperfeed/lan/v1'
// a peer silent for TTL is forgotten
const ANNOUNCE_INTERVAL = 5000
// again after JOIN_RETRY in case a packet was lost
const JOIN_RETRY = 1000
// answers wait a little (as mDNS does) so that several merge
const ANSWER_GAP = 1000
const ANSWER_DELAY_MIN = 20
const ANSWER_DELAY_MAX = 120
const TOPICS_PER_PACKET = 8
// a flood from one address uses up its own allowance, not everyone's
const MAX_PACKETS_PER_SECOND = 20
const MAX_SOURCES = 64
const MAX_LAN_PEERS = 32
const MAX_PER_HOST = 8
const DIAL_GAP = 100
const RETRY_AFTER = 30_000

export interface LanPeer {
  id: string
  host: string
  url: string
  expires: number
  retryAt: number
}

export interface LanOptions {
  iface: LanInterface
  // of two peers, the one with the lower id dials
  id: string
  port: number
  dialing: (url: string) => boolean
}

// Only someone with the key can compute it: the announcement does not say which feed this is.
export function lanTopic (key: Buffer, discoveryKey: Buffer): string {
  return createHmac('sha256', key).update(TOPIC_CONTEXT).update(discoveryKey).digest('hex').slice(0, 32)
}

export class LanDiscovery extends ReadyResource {
  readonly iface: LanInterface
  readonly id: string
  private readonly port: number
  private readonly dialing: (url: string) => boolean
  private mdns: multicastDns.MulticastDns | null = null
  private readonly topics = new Set<string>()
  readonly peers = new Map<string, LanPeer>()
  private readonly queue: string[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private interval: NodeJS.Timeout | null = null
  private dialTimer: NodeJS.Timeout | null = null
  private answerTimer: NodeJS.Timeout | null = null
  private lastAnswer = 0
  private window = 0
  private readonly packets = new Map<string, number>()

  constructor ({ iface, id, port, dialing }: LanOptions) {
    super()
    this.iface = iface
    this.id = id
    this.port = port
    this.dialing = dialing
  }

  protected override async _open (): Promise<void> {
    const mdns = multicastDns({
      interface: this.iface.address,
      // Linux and macOS deliver group traffic to a socket bound to the group; Windows wants any
      bind: process.platform === 'win32' ? '0.0.0.0' : MDNS_GROUP,
      ip: MDNS_GROUP,
      port: MDNS_PORT,
      ttl: 255,
      loopback: true,
      reuseAddr: true
    })
    let started = false
    await new Promise<void>((resolve, reject) => {
      // a warning before 'ready': it could not join the group on the interface
      const fail = (err: Error) => {
        if (started) this.emit('warning', err)
        else reject(lanUnavailable(this.iface.name, this.iface.address, err.message))
      }
      mdns.on('ready', () => { started = true; resolve() })
      mdns.on('error', fail)
      mdns.on('warning', fail)
    }).catch((err: unknown) => {
      try {
        mdns.destroy()
      } catch {} // the socket never opened
      throw err
    })
    this.mdns = mdns
    mdns.on('query', (packet, rinfo) => { if (this.accept(rinfo.address)) this.onQuery(packet) })
    mdns.on('response', (packet, rinfo) => { if (this.accept(rinfo.address)) this.onResponse(packet, rinfo.address) })
    this.interval = setInterval(() => {
      this.expire()
      this.announce()
    }, ANNOUNCE_INTERVAL)
  }

  join (topic: string): void {
    if (this.closing !== null || this.topics.has(topic)) return
    this.topics.add(topic)
    this.announce([topic])
    this.ask([topic])
    this.later(JOIN_RETRY, () => {
      if (!this.topics.has(topic)) return
      this.announce([topic])
      this.ask([topic])
    })
  }

  leave (topic: string): void {
    this.topics.delete(topic)
  }

  failed (url: string): void {
    for (const peer of this.peers.values()) if (peer.url === url) peer.retryAt = Date.now() + RETRY_AFTER
  }

  private later (ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  private accept (address: string): boolean {
    if (this.closing !== null || !sameSubnet(address, this.iface)) return false
    const now = Date.now()
    if (now - this.window >= 1000) {
      this.window = now
      this.packets.clear()
    }
    const count = (this.packets.get(address) ?? 0) + 1
    if (count === 1 && this.packets.size >= MAX_SOURCES) return false
    this.packets.set(address, count)
    return count <= MAX_PACKETS_PER_SECOND
  }

  private announce (topics = [...this.topics], ttl = TTL, cb?: () => void): void {
    const mdns = this.mdns
    if (mdns === null || topics.length === 0) return cb?.()
    let pending = 0
    for (let i = 0; i < topics.length; i += TOPICS_PER_PACKET) {
      pending++
      const answers = announcement(this.id, this.iface.address, this.port, topics.slice(i, i + TOPICS_PER_PACKET), ttl)
      mdns.respond({ answers }, () => { if (--pending === 0) cb?.() })
    }
  }

  private ask (topics: string[]): void {
    this.mdns?.query(question(this.id, topics))
  }

  private onQuery (packet: multicastDns.Packet): void {
    if (this.answerTimer !== null || this.closing !== null || !asksFor(packet, this.id, this.topics)) return
    const delay = Math.max(0, this.lastAnswer + ANSWER_GAP - Date.now()) + ANSWER_DELAY_MIN + Math.random() * (ANSWER_DELAY_MAX - ANSWER_DELAY_MIN)
    this.answerTimer = setTimeout(() => {
      this.answerTimer = null
      this.lastAnswer = Date.now()
      this.announce()
    }, delay)
  }

  private onResponse (packet: multicastDns.Packet, from: string): void {
    for (const s of sightings(packet, from, this.topics)) {
      if (s.id !== this.id) this.seen(s.id, s.address, s.port, s.ttl)
    }
  }

  private seen (id: string, host: string, port: number, ttl: number): void {
    const url = `ws://${host}:${port}/`
    let peer = this.peers.get(id)
    if (ttl === 0) {
      if (peer !== undefined) this.forget(peer, 'it left')
      return
    }
    if (peer !== undefined && peer.url !== url) {
      this.forget(peer, 'it moved')
      peer = undefined
    }
    if (peer === undefined) {
      if (this.peers.size >= MAX_LAN_PEERS || [...this.peers.values()].filter(p => p.host === host).length >= MAX_PER_HOST) return
      peer = { id, host, url, expires: 0, retryAt: 0 }
      this.peers.set(id, peer)
      this.emit('found', peer)
    }
    peer.expires = Date.now() + ttl * 1000
    if (this.id < id && Date.now() >= peer.retryAt && !this.dialing(url) && !this.queue.includes(id)) {
      this.queue.push(id)
      this.dialNext()
    }
  }

  private dialNext (): void {
    if (this.dialTimer !== null || this.closing !== null) return
    const peer = this.peers.get(this.queue.shift() ?? '')
    if (peer === undefined) {
      if (this.queue.length > 0) this.dialNext()
      return
    }
    if (!this.dialing(peer.url)) this.emit('dial', peer)
    this.dialTimer = setTimeout(() => {
      this.dialTimer = null
      this.dialNext()
    }, DIAL_GAP)
  }

  private expire (): void {
    const now = Date.now()
    for (const peer of [...this.peers.values()]) if (peer.expires < now) this.forget(peer, 'it stopped announcing')
  }

  private forget (peer: LanPeer, reason: string): void {
    this.peers.delete(peer.id)
    const i = this.queue.indexOf(peer.id)
    if (i !== -1) this.queue.splice(i, 1)
    this.emit('lost', peer, reason)
  }

  // Says goodbye (TTL 0: peers forget us now).
  protected override async _close (): Promise<void> {
    if (this.interval !== null) clearInterval(this.interval)
    if (this.dialTimer !== null) clearTimeout(this.dialTimer)
    if (this.answerTimer !== null) clearTimeout(this.answerTimer)
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.queue.length = 0
    const mdns = this.mdns
    if (mdns === null) return
    await new Promise<void>(resolve => this.announce(undefined, 0, resolve))
    await new Promise<void>(resolve => mdns.destroy(() => resolve()))
    this.mdns = null
  }
}
