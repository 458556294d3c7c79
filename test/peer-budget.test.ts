import test from 'brittle'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import { Feed, Network } from '../src/index.js'
import { netOptions, reader, take, testnet, writer } from './helpers/index.js'

const VIEWERS = 3
// PeerBudget's grace for a connection to carry one of our cores, and its check interval
const GRACE = 5000
const CHECK_INTERVAL = 2000

test('the peer budget is for followers: they drop a peer that carries nothing, a writer keeps every connection', { timeout: 120_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const opts = netOptions(bootstrap)
  const w = await writer(t)
  await w.append({ type: 'hello' })
  const wNet = await online(t, w, opts)

  // a peer on the feed's topic that never replicates: a stalled or broken one
  const idle = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1', firewalled: false }) })
  t.teardown(() => idle.destroy(), { order: -1 })
  const idleLinks = new Map<string, { since: number, open: boolean }>()
  const changed: (() => void)[] = []
  idle.on('connection', (conn, info) => {
    conn.on('error', () => {})
    const link = { since: Date.now(), open: true }
    idleLinks.set(info.publicKey.toString('hex'), link)
    conn.once('close', () => { link.open = false; for (const wake of changed.splice(0)) wake() })
  })
  idle.join(w.discoveryKey, { server: true, client: true })
  await idle.flush()
  const writerKey = wNet.swarm!.keyPair.publicKey.toString('hex')
  await until(() => idleLinks.has(writerKey), changed, 20_000)

  const viewers: { feed: Feed, key: string }[] = []
  for (let i = 0; i < VIEWERS; i++) {
    const feed = await reader(t, w.key)
    const net = await online(t, feed, opts)
    await feed.get(0)
    viewers.push({ feed, key: net.swarm!.keyPair.publicKey.toString('hex') })
  }

  // positive control: every follower drops the idle peer once its grace is over
  const viewersDropped = () => viewers.every(v => idleLinks.get(v.key)?.open === false)
  t.ok(await until(viewersDropped, changed, 60_000), 'each follower dropped the peer that carries nothing')
  // the writer's link to it is the oldest: had its budget applied, it would be gone by now
  const age = Date.now() - idleLinks.get(writerKey)!.since
  if (age < GRACE + 2 * CHECK_INTERVAL) await new Promise(resolve => setTimeout(resolve, GRACE + 2 * CHECK_INTERVAL - age))
  t.ok(idleLinks.get(writerKey)!.open, 'the writer kept it')
  const remotes = new Set(wNet.peers().map(p => p.remote))
  t.ok(remotes.has(idle.keyPair.publicKey.toString('hex')), 'the writer is still connected to the idle peer')
  for (const v of viewers) t.ok(remotes.has(v.key), 'and to every viewer')

  await w.append({ type: 'still' })
  for (const v of viewers) t.is((await take(v.feed, 2)).length, 2, 'viewers still get new entries')
})

async function online (t: test.Assert, feed: Feed, opts: ReturnType<typeof netOptions>): Promise<Network> {
  const net = new Network(feed.store, opts)
  t.teardown(() => net.close(), { order: -0.5 })
  await net.join(feed)
  await net.flush()
  return net
}

// True once `check` holds, checked again whenever `wakers` is called.
async function until (check: () => boolean, wakers: (() => void)[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    const left = deadline - Date.now()
    if (left <= 0) return false
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, Math.min(left, 1000))
      wakers.push(() => { clearTimeout(timer); resolve() })
    })
  }
  return true
}
