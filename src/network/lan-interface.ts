import { readFileSync } from 'node:fs'
import { isIPv4 } from 'node:net'
import os from 'node:os'
import { lanInterface, usage } from '../errors.js'

export interface LanInterface {
  name: string
  address: string
  netmask: string
}

// The one named, else the one with the default route, else the only one up. Never loopback.
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

export function checkLanHost (iface: LanInterface, wsHost: string | undefined): void {
  if (wsHost !== undefined && wsHost !== '0.0.0.0' && wsHost !== iface.address) {
    throw usage(`--lan announces ${iface.address} (${iface.name}) but --ws-host binds ${wsHost}: drop --ws-host or make it ${iface.address}`)
  }
}

export function sameSubnet (address: string, { address: own, netmask }: LanInterface): boolean {
  if (!isIPv4(address)) return false
  const mask = toInt(netmask)
  return (toInt(address) & mask) === (toInt(own) & mask)
}

// Linux's routing table; elsewhere pickInterface falls back to the only interface up.
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

function toInt (ip: string): number {
  return ip.split('.').reduce((n, part) => (n << 8) | Number(part), 0)
}
