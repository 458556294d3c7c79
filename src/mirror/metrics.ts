import { Counter, Gauge, Registry } from 'prom-client'
import type BlindPeer from 'blind-peer'
import { diskUsage } from '../storage.js'
import type { Mirror } from './mirror.js'

// A mirror's GET /metrics: blind-peer's own gauges (cores, bytes allocated,
// bytes GC'd, activations, announced cores, wakeups, RocksDB operations...)
// under their blind_peer_* names, then hyperfeed's.
export function createMirrorMetrics (mirror: Mirror): Registry {
  const registry = new Registry()
  mirror.blindPeer.registerMetrics(promClientFor(registry))
  const gauge = (name: string, help: string, value: () => number | Promise<number>) =>
    new Gauge({ name, help, registers: [registry], async collect () { this.set(await value()) } })
  // a counter that follows a running total kept elsewhere
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
  gauge('hyperfeed_peers', 'connections to peers (clients, readers, other mirrors)', () => mirror.stats().connections)
  gauge('hyperfeed_mirror_max_bytes', 'the storage cap (--max-storage) in bytes', () => mirror.maxBytes)
  gauge('hyperfeed_mirror_disk_bytes', 'bytes the mirror\'s storage directory takes on disk', () => diskUsage(mirror.dir))
  gauge('hyperfeed_mirror_trusted_identities', 'identities whose cores are announced (--trust)', () => mirror.trusted.length)
  total('hyperfeed_mirror_announce_downgrades_total', 'requests to announce from untrusted identities (kept, not announced)', () => mirror.counts.downgrades)
  total('hyperfeed_mirror_gc_runs_total', 'garbage collections (over the storage cap)', () => mirror.counts.gcRuns)
  return registry
}

// blind-peer registers its gauges on whatever prom-client it is handed; this
// one puts them on our registry instead of the process-wide default.
function promClientFor (registry: Registry): BlindPeer.PromClient {
  class RegisteredGauge extends Gauge {
    constructor (opts: ConstructorParameters<BlindPeer.PromClient['Gauge']>[0]) {
      super({ ...opts, registers: [registry] })
    }
  }
  return { Gauge: RegisteredGauge }
}
