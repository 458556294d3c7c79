import { isIPv4 } from 'node:net'
import type multicastDns from 'multicast-dns'

// DNS-SD records: a PTR per topic (a subtype of _hyperfeed._tcp) names a process's instance,
// whose SRV and A records say where it accepts WebSocket peers.
const SERVICE = '_hyperfeed._tcp.local'
export const TTL = 15
const MAX_TTL = 120
const MAX_RECORDS = 64

const SUBTYPE = /^_([0-9a-f]{32})\._sub\._hyperfeed\._tcp\.local$/
const INSTANCE = /^([0-9a-f]{32})\._hyperfeed\._tcp\.local$/
const HOST = /^([0-9a-f]{32})\.local$/

export interface Sighting {
  id: string
  address: string
  port: number
  ttl: number
}

// TTL 0 says goodbye
export function announcement (id: string, address: string, port: number, topics: string[], ttl: number): multicastDns.ResourceRecord[] {
  const instance = `${id}.${SERVICE}`
  const host = `${id}.local`
  return [
    ...pointers(id, topics, ttl),
    { name: instance, type: 'SRV', ttl, flush: true, data: { port, target: host, priority: 0, weight: 0 } },
    { name: instance, type: 'TXT', ttl, flush: true, data: ['v=1'] },
    { name: host, type: 'A', ttl, flush: true, data: address }
  ]
}

// Our own PTRs go as known answers: nobody answers with what we have, nor do we answer ourselves.
export function question (id: string, topics: string[]): multicastDns.Packet {
  const ptrs = pointers(id, topics, TTL)
  return { questions: ptrs.map(r => ({ name: r.name, type: 'PTR' })), answers: ptrs }
}

function pointers (id: string, topics: string[], ttl: number): multicastDns.ResourceRecord[] {
  return topics.map(t => ({ name: `_${t}._sub.${SERVICE}`, type: 'PTR', ttl, data: `${id}.${SERVICE}` }))
}

export function asksFor (packet: multicastDns.Packet, id: string, topics: Set<string>): boolean {
  if (!Array.isArray(packet.questions)) return false
  const instance = `${id}.${SERVICE}`
  const known = new Set<string>()
  for (const r of (Array.isArray(packet.answers) ? packet.answers : []).slice(0, MAX_RECORDS)) {
    if (r?.type === 'PTR' && typeof r.name === 'string' && typeof r.data === 'string' && r.data.toLowerCase() === instance) known.add(r.name.toLowerCase())
  }
  return packet.questions.slice(0, MAX_RECORDS).some(q => {
    const name = typeof q?.name === 'string' ? q.name.toLowerCase() : ''
    const topic = SUBTYPE.exec(name)?.[1]
    return topic !== undefined && topics.has(topic) && !known.has(name)
  })
}

// The address must be the sender's: nobody makes us dial a third party.
export function sightings (packet: multicastDns.Packet, from: string, topics: Set<string>): Sighting[] {
  const records = [...(Array.isArray(packet.answers) ? packet.answers : []), ...(Array.isArray(packet.additionals) ? packet.additionals : [])].slice(0, MAX_RECORDS)
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
      if (topic !== undefined && id !== undefined && topics.has(topic)) instances.set(id, Math.max(ttl, instances.get(id) ?? 0))
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
  const out: Sighting[] = []
  for (const [id, ttl] of instances) {
    const srv = ports.get(id)
    if (srv !== undefined && addresses.get(id) === from) out.push({ id, address: from, port: srv.port, ttl: Math.min(ttl, srv.ttl) })
  }
  return out
}
