import { parseArgs } from 'node:util'
import { usage } from '../errors.js'
import type { NetworkFlags } from '../network/swarm.js'

type OptionSpec = { type: 'string' | 'boolean', short?: string, multiple?: boolean }
export type Spec = Record<string, OptionSpec>

export const STORAGE_OPTIONS: Spec = {
  storage: { type: 'string' }
}

export const NETWORK_OPTIONS: Spec = {
  local: { type: 'boolean' },
  bootstrap: { type: 'string' },
  host: { type: 'string' },
  'no-swarm': { type: 'boolean' },
  'ws-port': { type: 'string' },
  'ws-host': { type: 'string' },
  peer: { type: 'string', multiple: true },
  'max-peers': { type: 'string' }
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

// Strict parsing: unknown options, missing values and stray arguments are
// usage errors with one line naming the problem.
export function parse (command: string, argv: string[], options: Spec, { maxPositionals = 0 } = {}): Parsed {
  let parsed: Parsed
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true }) as Parsed
  } catch (err) {
    throw usage(`${command}: ${describeParseError(err as Error & { code?: string })}`)
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals]!
    throw usage(`${command}: unexpected argument ${JSON.stringify(extra)}`)
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string' && value === '' && options[name]?.type === 'string') throw usage(`${command}: --${name} needs a value`)
  }
  return parsed
}

function describeParseError (err: Error & { code?: string }): string {
  const message = err.message.split('\n')[0] ?? ''
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? ''
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option ${option}`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `${option} needs a value`
      if (/ambiguous/.test(message)) return `${option} needs a value (to pass a value that starts with '-', write ${option}=VALUE)`
      if (/does not take an argument/.test(message)) return `${option} does not take a value`
      return message
    default: return message
  }
}

export function str (p: Parsed, name: string): string | undefined {
  const v = p.values[name]
  return typeof v === 'string' ? v : undefined
}

export function bool (p: Parsed, name: string): boolean {
  return p.values[name] === true
}

export function list (p: Parsed, name: string): string[] {
  const v = p.values[name]
  return Array.isArray(v) ? v : []
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

export function networkFlags (p: Parsed): NetworkFlags {
  return {
    local: bool(p, 'local'),
    bootstrap: str(p, 'bootstrap'),
    host: str(p, 'host'),
    swarm: !bool(p, 'no-swarm'),
    wsPort: int(p, 'ws-port', { min: 0, max: 65535 }) ?? null,
    wsHost: str(p, 'ws-host'),
    peers: list(p, 'peer'),
    maxPeers: int(p, 'max-peers', { min: 1, max: 1024 }) ?? undefined
  }
}
