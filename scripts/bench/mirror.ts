// Mirrors (blind peers): what a `hyperfeed mirror` process costs per 100k
// entries kept, and a cold sync served by a mirror with the writer offline
// against one served by the writer itself. Runs as a bench section
// (mirrors(bootstrap)) or alone: node dist/scripts/bench/mirror.js [--quick]
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Feed, MirrorClient, Network, Store, toHex, type Entry } from '../../src/index.js'
import { MirrorDht } from '../../src/mirror/dht.js'
import { type KeyPair, loadIdentity } from '../../src/mirror/identity.js'
import { parseBootstrap } from '../../src/network/options.js'
import { discoveryKeyOf } from '../../src/keys.js'
import { StorageRoot, diskUsage } from '../../src/storage.js'
import { BIN, QUICK, type Proc, figure, freeUdpPort, median, now, proc, sleep, tmp } from './common.js'

const SIZES = QUICK ? { kept: 5000, sync: 2000, rounds: 1 } : { kept: 100_000, sync: 10_000, rounds: 3 }
const BATCH = 1000

const entry = (i: number): Entry => ({ type: 'chat', nick: 'bench', text: 'entry number ' + String(i).padStart(7, '0'), time: 1700000000000 + i })

interface Writer { feed: Feed, client: MirrorClient, dir: string, close: () => Promise<void> }

// A library writer with `n` entries, online, asking `mirror` to keep its feed
// under `identity` (trusted by the mirror, so the feed is announced).
async function writer (n: number, bootstrap: string, mirror: Buffer, identity: KeyPair, { register }: { register: boolean }): Promise<Writer> {
  const store = await Store.open(tmp('mirror-writer'))
  const feed = await Feed.openWriter(store, 'feed')
  for (let i = 0; i < n; i += BATCH) await feed.append(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => entry(i + j)))
  const options = { bootstrap: parseBootstrap(bootstrap), host: '127.0.0.1', firewalled: false }
  const network = new Network(store, options)
  await network.join(feed)
  const node = new MirrorDht(options, { keyPair: identity })
  await node.ready()
  const client = new MirrorClient({ dht: node.dht, store: store.corestore, mirrors: [mirror] })
  if (register) client.keepFeed(feed)
  const close = async () => {
    await client.close()
    await network.close()
    await node.close()
    await feed.close()
    await store.close()
  }
  return { feed, client, dir: store.dir, close }
}

async function until (check: () => boolean | Promise<boolean>, timeout: number, what: string): Promise<void> {
  const deadline = now() + timeout
  while (!(await check())) {
    if (now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await sleep(50)
  }
}

function rss (p: Proc): { now: number, peak: number } {
  const status = fs.readFileSync(`/proc/${p.child.pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024
  return { now: kb('VmRSS'), peak: kb('VmHWM') }
}

// `hyperfeed view KEY --once --json` into fresh storage: spawn to exit, in ms.
async function coldView (key: string, n: number, bootstrap: string): Promise<number> {
  const view = proc(BIN, ['view', key, '--once', '--json', '--bootstrap', bootstrap, '--timeout', '60', '--storage', tmp('mirror-view')])
  await view.exited
  const ms = now() - view.started
  if (view.child.exitCode !== 0 || view.outLines !== n) throw new Error(`bench: view exited ${view.child.exitCode} after ${view.outLines} of ${n} lines: ${JSON.stringify(view.status.slice(-3))}`)
  return ms
}

export async function mirrors (bootstrap: string): Promise<void> {
  console.error(`\nmirrors: a mirror keeping ${SIZES.kept.toLocaleString('en-US')} entries; cold sync of ${SIZES.sync.toLocaleString('en-US')} from a mirror vs from the writer`)
  const identityRoot = await StorageRoot.open(tmp('mirror-identity'))
  const identity = await loadIdentity(identityRoot.dir)
  const storage = tmp('mirror')
  const m = proc(BIN, ['mirror', '--trust', toHex(identity.publicKey), '--bootstrap', bootstrap, '--storage', storage])
  const mirrorKey = Buffer.from(await m.waitLine(l => /^[0-9a-f]{64}$/.test(l), 30_000), 'hex')
  await sleep(500)
  const idle = rss(m)

  // kept: one large feed, registered, until the mirror says it has it all
  const big = await writer(SIZES.kept, bootstrap, mirrorKey, identity, { register: true })
  const started = now()
  await until(() => big.client.mirrorLength(big.feed.core, mirrorKey) === SIZES.kept, 600_000, 'the mirror to hold the large feed')
  const seconds = (now() - started) / 1000
  await big.close()
  const writerDisk = await diskUsage(big.dir)
  await sleep(1000)
  const held = rss(m)
  const disk = await diskUsage(`${storage}/mirror`)
  const per100k = 100_000 / SIZES.kept
  figure('mirrors', `mirror: time to take in ${SIZES.kept.toLocaleString('en-US')} entries (registration to held)`, 'entries/s', SIZES.kept / seconds, null, null, true)
  figure('mirrors', 'mirror RSS, idle', 'MB', idle.now / 1e6, null, null, false)
  figure('mirrors', `mirror RSS with ${SIZES.kept.toLocaleString('en-US')} entries kept`, 'MB', held.now / 1e6, null, null, false)
  figure('mirrors', 'mirror RSS per 100k entries kept (peak minus idle)', 'MB', (held.peak - idle.now) / 1e6 * per100k, null, null, false)
  figure('mirrors', 'mirror disk per 100k entries kept', 'MB', disk / 1e6 * per100k, writerDisk / 1e6 * per100k, 'the writer\'s own storage', false)

  // cold sync: from the writer (not registered), then from the mirror alone
  const fromWriter: number[] = []
  const fromMirror: number[] = []
  for (let r = 0; r < SIZES.rounds; r++) {
    const w = await writer(SIZES.sync, bootstrap, mirrorKey, identity, { register: false })
    fromWriter.push(await coldView(toHex(w.feed.key), SIZES.sync, bootstrap))
    w.client.keepFeed(w.feed)
    await until(() => w.client.mirrorLength(w.feed.core, mirrorKey) === SIZES.sync, 120_000, 'the mirror to hold the feed')
    // announced: a plain lookup of the feed finds the mirror
    await until(async () => {
      for await (const reply of w.client.dht.lookup(discoveryKeyOf(w.feed.key))) if (reply.peers.some(p => p.publicKey.equals(mirrorKey))) return true
      return false
    }, 30_000, 'the mirror to announce the feed')
    const key = toHex(w.feed.key)
    await w.close()
    fromMirror.push(await coldView(key, SIZES.sync, bootstrap))
  }
  figure('mirrors', `cold sync ${SIZES.sync / 1000}k from a mirror, writer offline (view --once, spawn to exit)`, 'ms', median(fromMirror), median(fromWriter), 'from the writer', false)
  console.error(`  rounds: from the mirror ${fromMirror.map(Math.round).join(', ')} ms; from the writer ${fromWriter.map(Math.round).join(', ')} ms`)
  await m.stop()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = await freeUdpPort()
  const boot = proc(BIN, ['bootstrap', '--host', '127.0.0.1', '--port', String(port)])
  const bootstrap = await boot.waitLine(l => /^127\.0\.0\.1:\d+$/.test(l), 10_000)
  try {
    await mirrors(bootstrap)
  } finally {
    await boot.stop()
  }
  process.exit(0)
}
