import dns from 'node:dns/promises'
import { isIPv4 } from 'node:net'
import { badBootstrap, usage } from '../errors.js'
import { LOCAL_HOST, LOCAL_PORT, localPort } from './local.js'
import { checkLanHost, pickInterface } from './lan-interface.js'

export interface DhtNode {
  host: string
  port: number
}

export interface NetworkOptions {
  swarm?: boolean
  // null: the public Hyperswarm DHT
  bootstrap?: DhtNode[] | null
  host?: string
  localBootstrap?: { host: string, port: number } | null
  // false: reachable, no NAT in the way. Default: false when every bootstrap node is on
  // loopback or a private network, else HyperDHT finds out for itself (firewalledOn)
  firewalled?: boolean
  wsPort?: number | null
  wsHost?: string
  peers?: string[]
  maxPeers?: number
  gossip?: boolean
  lan?: { interface?: string } | null
  // the key pair the DHT node connects with by default: the storage's identity,
  // which is what mirrors see (blind-peering connects with it). Default: random
  identity?: { publicKey: Buffer, secretKey: Buffer } | null
}

export interface NetworkFlags {
  local?: boolean
  bootstrap?: string
  host?: string
  swarm?: boolean
  wsPort?: number | null
  wsHost?: string
  peers?: string[]
  maxPeers?: number
  gossip?: boolean
  lan?: boolean
  lanInterface?: string
}

// Flags win over --local, which wins over HYPERFEED_BOOTSTRAP. --lan joins no DHT unless one of them names one.
export function resolveNetworkOptions (flags: NetworkFlags, env: NodeJS.ProcessEnv = process.env): NetworkOptions {
  let bootstrap: DhtNode[] | null = null
  let localBootstrap: NetworkOptions['localBootstrap'] = null
  if (flags.bootstrap !== undefined) bootstrap = parseBootstrap(flags.bootstrap)
  else if (flags.local) {
    const port = localPort(env)
    bootstrap = [{ host: LOCAL_HOST, port }]
    localBootstrap = { host: LOCAL_HOST, port }
  } else if (env.HYPERFEED_BOOTSTRAP) bootstrap = parseBootstrap(env.HYPERFEED_BOOTSTRAP)

  let host = flags.host
  if (host === undefined && bootstrap !== null && bootstrap.every(n => isLoopback(n.host))) host = LOCAL_HOST
  if (host !== undefined && !isIPv4(host)) throw usage(`--host must be an IPv4 address, not ${JSON.stringify(host)}`)
  // checked now: a machine without one fails before anything opens
  const iface = flags.lan === true || flags.lanInterface !== undefined ? pickInterface(flags.lanInterface) : null
  if (iface !== null) checkLanHost(iface, flags.wsHost)
  const lan = iface !== null ? { interface: iface.name } : null

  return {
    swarm: flags.swarm !== false && (lan === null || bootstrap !== null),
    bootstrap,
    host,
    localBootstrap,
    wsPort: flags.wsPort ?? null,
    wsHost: flags.wsHost,
    // the tutorials' PEERS (comma-separated ws:// URLs), for every command that goes online
    peers: flags.peers !== undefined && flags.peers.length > 0 ? flags.peers : envPeers(env),
    gossip: flags.gossip !== false,
    lan,
    ...(flags.maxPeers !== undefined ? { maxPeers: flags.maxPeers } : {})
  }
}

function envPeers (env: NodeJS.ProcessEnv): string[] {
  return (env.PEERS ?? '').split(',').map(u => u.trim()).filter(Boolean)
}

export function parseBootstrap (list: string): DhtNode[] {
  const nodes = list.split(',').map(s => s.trim()).filter(Boolean).map(parseHostPort)
  if (nodes.length === 0) throw usage('--bootstrap needs at least one HOST:PORT')
  return nodes
}

export function parseHostPort (s: string): DhtNode {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(s)
  const port = m ? Number(m[2]) : 0
  const host = m?.[1] ?? ''
  const hostOk = isIPv4(host) || (/^[a-zA-Z0-9.-]+$/.test(host) && /[a-zA-Z]/.test(host) && !host.startsWith('-'))
  if (!m || port < 1 || port > 65535 || !hostOk) {
    throw usage(`bad bootstrap address ${JSON.stringify(s)}: expected HOST:PORT, e.g. 127.0.0.1:${LOCAL_PORT}`)
  }
  return { host: m[1]!, port }
}

// Resolved once, up front: a name that does not resolve is an error, not a DHT that never finds anyone.
export async function resolveNodes (nodes: DhtNode[]): Promise<DhtNode[]> {
  return Promise.all(nodes.map(async ({ host, port }) => {
    if (isIPv4(host)) return { host, port }
    try {
      return { host: (await dns.lookup(host, { family: 4 })).address, port }
    } catch {
      throw badBootstrap(host)
    }
  }))
}

export function isLoopback (host: string): boolean {
  return host === 'localhost' || host.startsWith('127.')
}

// On loopback or a private network no NAT is in the way, and proving it costs seconds to minutes.
export function firewalledOn (nodes: DhtNode[] | null): boolean {
  return nodes === null || !nodes.every(n => isPrivateHost(n.host))
}

export function isPrivateHost (host: string): boolean {
  if (isLoopback(host)) return true
  if (!isIPv4(host)) return false
  const [a, b] = host.split('.').map(Number) as [number, number]
  return a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254)
}
