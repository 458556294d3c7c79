import dns from 'node:dns/promises'
import { isIPv4 } from 'node:net'
import { HyperfeedError, usage } from '../errors.js'
import { LOCAL_HOST, LOCAL_PORT, localPort } from './local.js'
import { checkLanHost, pickInterface } from './lan.js'

export interface DhtNode {
  host: string
  port: number
}

export interface NetworkOptions {
  // join the DHT at all (false: direct WebSocket peers only)
  swarm?: boolean
  // DHT bootstrap nodes; null means the public Hyperswarm DHT
  bootstrap?: DhtNode[] | null
  // address the DHT node binds
  host?: string
  // run (or take over) the shared loopback bootstrap node of --local
  localBootstrap?: { host: string, port: number } | null
  // treat this node as reachable (true for loopback and self-bootstrapped LANs)
  firewalled?: boolean
  wsPort?: number | null
  wsHost?: string
  peers?: string[]
  // most swarm connections at once (Hyperswarm's default: 64)
  maxPeers?: number
  // exchange addresses with direct WebSocket peers (default true)
  gossip?: boolean
  // find WebSocket peers on the local network by multicast DNS, on this
  // interface (default: the one with the default route)
  lan?: { interface?: string } | null
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

// Flags win over --local, which wins over the environment (HYPERFEED_BOOTSTRAP).
// --lan (or --lan-interface) joins no DHT unless one of those names one.
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
  // the interface is checked now, so that a machine without one fails before anything opens
  const iface = flags.lan === true || flags.lanInterface !== undefined ? pickInterface(flags.lanInterface) : null
  if (iface !== null) checkLanHost(iface, flags.wsHost)
  const lan = iface !== null ? { interface: iface.name } : null

  return {
    swarm: flags.swarm !== false && (lan === null || bootstrap !== null),
    bootstrap,
    host,
    localBootstrap,
    // a DHT you bootstrap yourself (loopback or LAN) has no NAT in the way
    firewalled: bootstrap === null,
    wsPort: flags.wsPort ?? null,
    wsHost: flags.wsHost,
    peers: flags.peers ?? [],
    gossip: flags.gossip !== false,
    lan,
    ...(flags.maxPeers !== undefined ? { maxPeers: flags.maxPeers } : {})
  }
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

// Host names are resolved once, up front: a name that does not resolve is an
// error the user sees, not a DHT that silently never finds anyone.
export async function resolveNodes (nodes: DhtNode[]): Promise<DhtNode[]> {
  return Promise.all(nodes.map(async ({ host, port }) => {
    if (isIPv4(host)) return { host, port }
    try {
      return { host: (await dns.lookup(host, { family: 4 })).address, port }
    } catch {
      throw new HyperfeedError('BAD_BOOTSTRAP', `cannot resolve bootstrap host ${JSON.stringify(host)}`)
    }
  }))
}

export function isLoopback (host: string): boolean {
  return host === 'localhost' || host.startsWith('127.')
}
