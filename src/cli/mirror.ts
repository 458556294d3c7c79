import { isIP } from 'node:net'
import path from 'node:path'
import { command, description, flag, summary } from 'paparam'
import { bool, int, list, networkFlags, storageFlags, str } from './args.js'
import { define } from './command.js'
import { storageDir } from './common.js'
import { STOP_NETWORK, STOP_SERVERS } from './shutdown.js'
import { StorageRoot } from '../storage.js'
import { usage } from '../errors.js'
import { toHex, toZ32 } from '../keys.js'
import { resolveNetworkOptions } from '../network/options.js'
import { DEFAULT_MAX_BYTES } from '../mirror/limits.js'
import { parseMirrorKeys } from '../mirror/keys.js'

const MB = 1_000_000
// the network flags that make sense for a blind peer (it needs a DHT: no --lan,
// no WebSocket peers)
const MIRROR_NETWORK_FLAGS = ['local', 'bootstrap', 'host']
// where, under the storage root, the blind peer keeps its RocksDB
export const MIRROR_DIR = 'mirror'

export default define(command('mirror',
  summary('keep feeds and rooms available for others: run a blind peer'),
  description(`Runs a mirror: a blind peer (Holepunch's blind-peer, unmodified) that keeps the
feeds and rooms writers ask it to keep and serves them while their writers are
offline. It stores private feeds and rooms encrypted and cannot read them.
The first line of stdout is the mirror key. Cores of the identities given with
--trust (see hyperfeed id) are announced on the DHT, so readers find them by
the feed's key alone; anyone else's are kept without being announced, and are
reached through the mirror key. Over --max-storage it clears the least active
un-announced cores. It logs each core it takes on, each refused announce and
each garbage collection on stderr, and runs until Ctrl-C (SIGINT) or SIGTERM.`),
  flag('--max-storage <mb>', `storage cap in megabytes (default ${DEFAULT_MAX_BYTES / MB}, blind-peer's own)`),
  flag('--trust <key>', 'announce the cores of this identity (what hyperfeed id prints); repeatable').multiple(),
  flag('--port <port>', 'serve GET /metrics (Prometheus text) on PORT (0: any free port)'),
  flag('--listen <addr>', 'address the metrics port binds (default 127.0.0.1, this machine only)'),
  ...storageFlags(),
  ...networkFlags().filter(f => MIRROR_NETWORK_FLAGS.includes(f.name))
), async (p, ctx) => {
  const { stdout, status, shutdown } = ctx
  // everything is checked before anything is created
  const trusted = parseMirrorKeys(list(p, 'trust'), '--trust key (an identity from hyperfeed id)')
  const maxStorage = int(p, 'max-storage', { min: 1 })
  const port = int(p, 'port', { min: 0, max: 65535 })
  const listen = str(p, 'listen')
  if (listen !== undefined && isIP(listen) === 0) throw usage(`--listen must be an IP address, not ${JSON.stringify(listen)}`)
  if (listen !== undefined && port === undefined) throw usage('--listen needs --port (the metrics port)')
  const network = resolveNetworkOptions({ local: bool(p, 'local'), bootstrap: str(p, 'bootstrap'), host: str(p, 'host') }, ctx.env)
  const maxBytes = maxStorage !== undefined ? maxStorage * MB : DEFAULT_MAX_BYTES

  const root = await StorageRoot.open(storageDir(p, ctx))
  // loaded here: blind-peer is a large tree that no other command needs
  const { Mirror } = await import('../mirror/mirror.js')
  const mirror = new Mirror(path.join(root.dir, MIRROR_DIR), { maxBytes, trusted, network })
  shutdown.add(STOP_NETWORK, () => mirror.close())
  mirror.on('takeover', (address) => status.info(`took over the local bootstrap node at ${address}`))
  mirror.on('bootstrap-unreachable', () => status.info('hyperfeed: no DHT bootstrap node answers, so no client or reader can find this mirror'))
  mirror.on('bootstrap-reachable', () => status.info('hyperfeed: a DHT bootstrap node answers again'))
  mirror.on('warning', (err) => status.info(`hyperfeed: warning: ${err.message}`))
  await mirror.ready()

  await stdout.line(toHex(mirror.key))
  status.info(`mirror key (z32): ${toZ32(mirror.key)}`)
  status.info(`hyperfeed: mirror running in ${mirror.dir}: storage cap ${maxBytes / MB} MB, ${mirror.stats().cores} cores kept, announcing for ${trusted.length === 0 ? 'no identity (no --trust)' : trusted.map(toHex).join(', ')}`)
  if (mirror.network.bootstrapNode?.holding) status.info(`running the local bootstrap node at ${mirror.network.bootstrapNode.address}`)

  mirror.on('core-added', ({ key, announce, remote }) => {
    status.info(`mirror: keeping core ${toHex(key)} for ${toHex(remote)} (${announce ? 'announced' : 'not announced'})`)
  })
  mirror.on('announce-downgraded', ({ remote, cores }) => {
    status.info(`mirror: ${toHex(remote)} is not trusted: keeping ${cores.length === 1 ? 'its core' : `its ${cores.length} cores`} without announcing (--trust ${toHex(remote)} would announce what it registers)`)
  })
  mirror.on('gc', ({ bytesCleared }) => {
    status.info(`mirror: over the ${maxBytes / MB} MB cap: garbage-collected ${bytesCleared} bytes (the least active cores' blocks), ${mirror.stats().bytesAllocated} bytes now allocated`)
  })

  if (port !== undefined) {
    const { createMirrorMetrics } = await import('../mirror/metrics.js')
    const { MetricsServer } = await import('../mirror/metrics-server.js')
    const server = new MetricsServer(createMirrorMetrics(mirror), { host: listen, port })
    shutdown.add(STOP_SERVERS, () => server.close())
    await server.ready()
    status.info(`hyperfeed: metrics at ${server.url}`)
  }
  await shutdown.stopped()
  return 0
})
