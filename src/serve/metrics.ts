import { Counter, Gauge, Registry } from 'prom-client'
import type { Network } from '../network/swarm.js'

// Values are read when scraped; totals follow running sums kept elsewhere.
export interface MetricSources {
  network: Network | null
  length: () => number
  transfer: () => { uploaded: { blocks: number, bytes: number }, downloaded: { blocks: number, bytes: number } }
  liveClients: () => number
  entriesServed: () => number
  gauges?: Record<string, { help: string, value: () => number }>
}

export function createMetrics (sources: MetricSources): Registry {
  const registry = new Registry()
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({ name, help, registers: [registry], collect () { this.set(value()) } })
  const total = (name: string, help: string, value: () => number) => {
    let seen = 0
    return new Counter({
      name,
      help,
      registers: [registry],
      collect () {
        const now = value()
        if (now > seen) this.inc(now - seen)
        seen = now
      }
    })
  }
  gauge('hyperfeed_peers', 'connections to peers (swarm and WebSocket)', () => sources.network?.connections ?? 0)
  gauge('hyperfeed_length', 'entries in the feed or room', sources.length)
  gauge('hyperfeed_live_clients', 'WebSocket clients on /live', sources.liveClients)
  total('hyperfeed_uploaded_bytes_total', 'bytes of blocks sent to peers', () => sources.transfer().uploaded.bytes)
  total('hyperfeed_downloaded_bytes_total', 'bytes of blocks received from peers', () => sources.transfer().downloaded.bytes)
  total('hyperfeed_uploaded_blocks_total', 'blocks sent to peers', () => sources.transfer().uploaded.blocks)
  total('hyperfeed_downloaded_blocks_total', 'blocks received from peers', () => sources.transfer().downloaded.blocks)
  total('hyperfeed_entries_served_total', 'entries sent to HTTP and /live clients', sources.entriesServed)
  for (const [name, g] of Object.entries(sources.gauges ?? {})) gauge(name, g.help, g.value)
  return registry
}
