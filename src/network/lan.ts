import { createHmac } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { isIPv4 } from 'node:net'
import os from 'node:os'
import multicastDns from 'multicast-dns'
import { lanInterface, lanUnavailable, usage } from '../errors.js'

const MDNS_GROUP = '224.0.0.251'
const MDNS_PORT = 5353
const SERVICE = '_hyperfeed._tcp.local'
const TOPIC_CONTEXT = 'hyperfeed/lan/v1'
// every process repeats its records this often; a peer silent for TTL is forgotten
const ANNOUNCE_INTERVAL = 5000
const TTL = 15
const MAX_TTL = 120
// on join: announce and ask at once, then again after this in case a packet was lost
const JOIN_RETRY = 1000
// answers go out at most this often, a little after the question (as mDNS does) so that several merge
const ANSWER_GAP = 1000
const ANSWER_DELAY_MIN = 20
const ANSWER_DELAY_MAX = 120
const TOPICS_PER_PACKET = 8
// packets read per second from one address, and addresses heard from in one second
const MAX_PACKETS_PER_SECOND = 20
const MAX_SOURCES = 64
const MAX_RECORDS = 64
const MAX_LAN_PEERS = 32
// processes remembered per address (a few hyperfeeds on one machine, not a flood from one)
const MAX_PER_HOST = 8
// new connections start at most this often
const DIAL_GAP = 100
// an address that could not be reached is not dialed again for this long
const RETRY_AFTER = 30_000

const SUBTYPE = /^_([0-9a-f]{32})\._sub\._hyperfeed\._tcp\.local$/
const INSTANCE = /^([0-9a-f]{32})\._hyperfeed\._tcp\.local$/
const HOST = /^([0-9a-f]{32})\.local$/

export interface LanInterface {
  name: string
  address: string
  netmask: string
}

export interface LanPeer {
  id: string
  host: string
  url: string
  expires: number
  retryAt: number
}

export interface LanOptions {
  iface: LanInterface
  // 32 hex characters; of two peers, the one with the lower id dials
  id: string
  // the WebSocket port this process accepts peers on
  port: number
  // whether a connection to `url` is open or being made already
  dialing: (url: string) => boolean
}

// What is announced for a feed or room: only someone who has its key can
// compute it, so the announcement does not say which feed this is.
export function lanTopic (key: Buffer, discoveryKey: Buffer): string {
  return createHmac('sha256', key).update(TOPIC_CONTEXT).update(discoveryKey).digest('hex').slice(0, 32)
}

// The interface --lan uses: the one named, else the one with the default
// route, else the only one up with an IPv4 address. Never loopback.
export function pickInterface (name?: string): LanInterface {
  const up = new Map<string, LanInterface>()
  const loopback = new Set<string>()
  for (const [n, addrs] of Object.entries(os.networkInterfaces())) {
    const v4 = addrs?.find(a => a.family === 'IPv4')
    if (v4 === undefined) continue
    if (v4.internal) loopback.add(n)
    else up.set(n, { name: n, address: v4.address, netmask: v4.netmask })
  }
  const names = [...up.keys()].join(', ') || 'none'
  if (name !== undefined) {
    if (loopback.has(name)) throw usage(`--lan-interface ${name} is the loopback interface: pick one on the network (up with IPv4: ${names})`)
    const iface = up.get(name)
    if (iface === undefined) throw usage(`--lan-interface ${name}: no such interface is up with an IPv4 address (up with IPv4: ${names})`)
    return iface
  }
  for (const n of defaultRouteInterfaces()) {
    const iface = up.get(n)
    if (iface !== undefined) return iface
  }
  const [only, ...more] = up.values()
  if (only === undefined) throw lanInterface('only loopback is up')
  if (more.length > 0) throw lanInterface(`no default route, and several interfaces: ${names}`)
  return only
}

// With --lan the WebSocket listener must be reachable at the address announced.
export function checkLanHost (iface: LanInterface, wsHost: string | undefined): void {
  if (wsHost !== undefined && wsHost !== '0.0.0.0' && wsHost !== iface.address) {
    throw usage(`--lan announces ${iface.address} (${iface.name}) but --ws-host binds ${wsHost}: drop --ws-host or make it ${iface.address}`)
  }
}

// Linux's routing table; elsewhere there is none to read and the rule above
// falls back to the only interface up.
function defaultRouteInterfaces (): string[] {
  let table: string
  try {
    table = readFileSync('/proc/net/route', 'utf8')
  } catch {
    return []
  }
  return table.trim().split('\n').slice(1)
    .map(line => line.trim().split(/\s+/))
    .filter(f => f[1] === '00000000' && f[7] === '00000000' && (parseInt(f[3] ?? '0', 16) & 1) === 1)
    .sort((a, b) => Number(a[6]) - Number(b[6]))
    .map(f => f[0]!)
}

// Finds peers for the joined topics on one network by multicast DNS, in
// DNS-SD form: a PTR per topic (a subtype of _hyperfeed._tcp) naming this
// process's instance, whose SRV and A records say where it accepts WebSocket
// peers. Emits 'found' and 'lost' for peers, and 'dial' (paced) for the ones
// this process should connect to. Everything read from the network is
// checked and bounded: a record must come from the address it names, on the
// interface's subnet, and at most MAX_LAN_PEERS peers are remembered.
export class LanDiscovery extends EventEmitter {
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
  private closing: Promise<void> | null = null

  constructor ({ iface, id, port, dialing }: LanOptions) {
    super()
    this.iface = iface
    this.id = id
    this.port = port
    this.dialing = dialing
  }

  async start (): Promise<void> {
    const mdns = multicastDns({
      interface: this.iface.address,
      // Linux and macOS deliver group traffic to a socket bound to the group
      // (not to one bound to the interface's own address); Windows wants any
      bind: process.platform === 'win32' ? '0.0.0.0' : MDNS_GROUP,
      ip: MDNS_GROUP,
      port: MDNS_PORT,
      ttl: 255,
      // other processes on this machine must hear us
      loopback: true,
      reuseAddr: true
    })
    let started = false
    await new Promise<void>((resolve, reject) => {
      // before it is ready, a warning means it could not join the group on the interface: nobody would be heard
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

  // A dial to a peer failed: leave it alone for a while.
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

  // A flood from one address uses up its own allowance, not everyone's.
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

  private records (topics: string[], ttl: number): multicastDns.ResourceRecord[] {
    const instance = `${this.id}.${SERVICE}`
    const host = `${this.id}.local`
    return [
      ...topics.map(t => ({ name: `_${t}._sub.${SERVICE}`, type: 'PTR', ttl, data: instance })),
      { name: instance, type: 'SRV', ttl, flush: true, data: { port: this.port, target: host, priority: 0, weight: 0 } },
      { name: instance, type: 'TXT', ttl, flush: true, data: ['v=1'] },
      { name: host, type: 'A', ttl, flush: true, data: this.iface.address }
    ]
  }

  private announce (topics = [...this.topics], ttl = TTL, cb?: () => void): void {
    const mdns = this.mdns
    if (mdns === null || topics.length === 0) return cb?.()
    let pending = 0
    for (let i = 0; i < topics.length; i += TOPICS_PER_PACKET) {
      pending++
      mdns.respond({ answers: this.records(topics.slice(i, i + TOPICS_PER_PACKET), ttl) }, () => { if (--pending === 0) cb?.() })
    }
  }

  // Our own records go along as known answers (mDNS's known-answer
  // suppression): nobody answers with what the asker has, and we do not answer
  // ourselves.
  private ask (topics: string[]): void {
    const ptrs = this.records(topics, TTL).filter(r => r.type === 'PTR')
    this.mdns?.query({ questions: ptrs.map(r => ({ name: r.name, type: 'PTR' })), answers: ptrs })
  }

  private onQuery (packet: multicastDns.Packet): void {
    if (this.answerTimer !== null || this.closing !== null || !Array.isArray(packet.questions)) return
    const instance = `${this.id}.${SERVICE}`
    const known = new Set<string>()
    for (const r of (Array.isArray(packet.answers) ? packet.answers : []).slice(0, MAX_RECORDS)) {
      if (r?.type === 'PTR' && typeof r.name === 'string' && typeof r.data === 'string' && r.data.toLowerCase() === instance) known.add(r.name.toLowerCase())
    }
    const asked = packet.questions.slice(0, MAX_RECORDS).some(q => {
      const name = typeof q?.name === 'string' ? q.name.toLowerCase() : ''
      const topic = SUBTYPE.exec(name)?.[1]
      return topic !== undefined && this.topics.has(topic) && !known.has(name)
    })
    if (!asked) return
    const delay = Math.max(0, this.lastAnswer + ANSWER_GAP - Date.now()) + ANSWER_DELAY_MIN + Math.random() * (ANSWER_DELAY_MAX - ANSWER_DELAY_MIN)
    this.answerTimer = setTimeout(() => {
      this.answerTimer = null
      this.lastAnswer = Date.now()
      this.announce()
    }, delay)
  }

  private onResponse (packet: multicastDns.Packet, from: string): void {
    const records = [...(Array.isArray(packet.answers) ? packet.answers : []), ...(Array.isArray(packet.additionals) ? packet.additionals : [])].slice(0, MAX_RECORDS)
    // instance id -> the TTL of its PTRs for topics joined here
    const instances = new Map<string, number>()
    const ports = new Map<string, { port: number, ttl: number }>()
    const addresses = new Map<string, string>()
    for (const r of records) {
      if (typeof r !== 'object' || r === null || typeof r.name !== 'string') continue
      const name = r.name.toLowerCase()
      const ttl = Number.isInteger(r.ttl) ? Math.min(r.ttl!, MAX_TTL) : TTL
      if (r.type === 'PTR') {
        const topic = SUBTYPE.exec(name)?.[1]
        const id = typeof r.data === 'string' ? INSTANCE.exec(r.data.toLowerCase())?.[1] : undefined
        if (topic !== undefined && id !== undefined && this.topics.has(topic)) instances.set(id, Math.max(ttl, instances.get(id) ?? 0))
      } else if (r.type === 'SRV') {
        const id = INSTANCE.exec(name)?.[1]
        const { port, target } = (typeof r.data === 'object' && r.data !== null ? r.data : {}) as { port?: unknown, target?: unknown }
        if (id !== undefined && Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536 &&
          typeof target === 'string' && target.toLowerCase() === `${id}.local`) ports.set(id, { port: port as number, ttl })
      } else if (r.type === 'A') {
        const id = HOST.exec(name)?.[1]
        if (id !== undefined && typeof r.data === 'string' && isIPv4(r.data)) addresses.set(id, r.data)
      }
    }
    for (const [id, ttl] of instances) {
      const srv = ports.get(id)
      // the address must be the sender's: nobody makes us dial a third party
      if (id === this.id || srv === undefined || addresses.get(id) !== from) continue
      this.seen(id, from, srv.port, Math.min(ttl, srv.ttl))
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
    // between two peers only the lower id dials, so they never dial each other at once
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

  // Says goodbye (the records with TTL 0, so peers forget us now), then closes the socket.
  close (): Promise<void> {
    if (this.closing === null) this.closing = this.stop()
    return this.closing
  }

  private async stop (): Promise<void> {
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

function sameSubnet (address: string, { address: own, netmask }: LanInterface): boolean {
  if (!isIPv4(address)) return false
  const mask = toInt(netmask)
  return (toInt(address) & mask) === (toInt(own) & mask)
}

function toInt (ip: string): number {
  return ip.split('.').reduce((n, part) => (n << 8) | Number(part), 0)
}
