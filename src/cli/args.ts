import { flag, type Command } from 'paparam'
import { usage } from '../errors.js'
import type { NetworkFlags } from '../network/options.js'
import { type EntryFilter, parseFilter } from '../filter.js'

export interface Parsed {
  flags: Command['flags']
  args: Command['args']
  positionals: string[]
  rest: string[]
}

export const storageFlags = () => [
  flag('--storage <dir>', 'storage directory (env HYPERFEED_STORAGE)')
]

export const networkFlags = () => [
  flag('--local', 'use the shared bootstrap node on 127.0.0.1:30737, starting it if needed'),
  flag('--bootstrap <host:port,...>', 'DHT bootstrap nodes (env HYPERFEED_BOOTSTRAP)'),
  flag('--host <addr>', 'IPv4 address the DHT node binds'),
  flag('--ws-port <port>', 'accept direct WebSocket replication peers on PORT (0: any free port)'),
  flag('--ws-host <addr>', 'address the WebSocket port binds (default 0.0.0.0)'),
  flag('--peer <url>', 'replicate with a WebSocket peer ws://HOST:PORT (repeatable)').multiple(),
  flag('--no-swarm', 'no DHT at all: WebSocket peers only'),
  flag('--max-peers <n>', `most swarm connections at once (default: ${FOLLOW_MAX_PEERS} for a feed you follow, 64 otherwise)`),
  flag('--no-gossip', 'do not exchange addresses with WebSocket peers (nor connect to the ones they name)'),
  flag('--lan', 'find peers on this network by multicast DNS and connect directly; no DHT unless --local or --bootstrap'),
  flag('--lan-interface <name>', 'the network interface --lan uses (default: the one with the default route); implies --lan')
]

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

export function str (p: Parsed, name: string): string | undefined {
  const v = p.flags[camel(name)]
  return typeof v === 'string' ? v : undefined
}

export function bool (p: Parsed, name: string): boolean {
  return p.flags[camel(name)] === true
}

export function list (p: Parsed, name: string): string[] {
  const v = p.flags[camel(name)]
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
}

export function int (p: Parsed, name: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  const v = str(p, name)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw usage(`--${name} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min > 0 ? ` of at least ${min}` : ''}, not ${JSON.stringify(v)}`)
  }
  return Number(v)
}

export function seconds (p: Parsed, name: string): number | undefined {
  const v = str(p, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw usage(`--${name} must be a number of seconds, not ${JSON.stringify(v)}`)
  return n
}

// Every connected peer that follows the same feed sends word of every block it
// gets; with many peers that costs more than the blocks (docs/performance.md).
export const FOLLOW_MAX_PEERS = 4

export function followerFlags (flags: NetworkFlags): NetworkFlags {
  return { ...flags, maxPeers: flags.maxPeers ?? FOLLOW_MAX_PEERS }
}

export function networkOptions (p: Parsed): NetworkFlags {
  return {
    local: bool(p, 'local'),
    bootstrap: str(p, 'bootstrap'),
    host: str(p, 'host'),
    swarm: p.flags.swarm !== false,
    wsPort: int(p, 'ws-port', { min: 0, max: 65535 }) ?? null,
    wsHost: str(p, 'ws-host'),
    peers: list(p, 'peer'),
    maxPeers: int(p, 'max-peers', { min: 1, max: 1024 }) ?? undefined,
    gossip: p.flags.gossip !== false,
    lan: bool(p, 'lan'),
    lanInterface: str(p, 'lan-interface')
  }
}

export const filterFlags = () => [
  flag('--author <key>', 'only entries by this author (repeatable: any of them)').multiple(),
  flag('--type <type>', 'only entries of this type, e.g. chat (repeatable: any of them)').multiple(),
  flag('--since <time>', 'only entries with a time from TIME on: 2024-05-01, 2024-05-01T14:30, 2h, 7d, now, or ms since 1970'),
  flag('--until <time>', 'only entries with a time before TIME (same forms as --since)'),
  flag('--grep <text>', 'only entries whose text holds TEXT, case and accents aside (repeatable: all of them)').multiple()
]

export function filterOptions (p: Parsed): EntryFilter {
  return parseFilter({ author: list(p, 'author'), type: list(p, 'type'), since: str(p, 'since') ?? null, until: str(p, 'until') ?? null, grep: list(p, 'grep') })
}
