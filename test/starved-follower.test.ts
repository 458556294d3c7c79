import test from 'brittle'
import { Feed, Network, Store, type Entry } from '../src/index.js'
import { netOptions, reader, testnet, writer } from './helpers/index.js'
import { peerStates } from '../src/internals.js'

const ENTRIES = 300
// what the partial peer holds: the first PARTIAL blocks, and the length ENTRIES
const PARTIAL = 100
const DEADLINE = 30_000

function entries (n: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'n', i }))
}

// Entries a live follower of `feed` has given out, counted as they come.
function follow (t: test.Assert, feed: Feed): { count: () => number } {
  let count = 0
  const follower = feed.follow({ live: true })
  t.teardown(() => follower.destroy(), { order: -1 })
  ;(async () => { for await (const batch of follower) count += batch.length })().catch(() => {})
  return { count: () => count }
}

async function until (cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!cond() && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
  return cond()
}

// Issue 19: a follower whose only peer has less than it needs must keep
// looking for peers (Hyperswarm itself looks again only every ten minutes).
// Here the writer only announces once the follower's lookup is done, so only
// a new lookup finds it.
test('a follower whose peers lack what it needs looks again and finds one that has it', { timeout: 90_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const w = await writer(t)
  await w.append(entries(ENTRIES))

  // the partial peer: knows the feed's length, holds only its first blocks
  const partial = await reader(t, w.key)
  const s1 = w.store.corestore.replicate(true)
  const s2 = partial.store.corestore.replicate(false)
  s1.pipe(s2).pipe(s1)
  await partial.core.update({ wait: true })
  await partial.core.download({ start: 0, end: PARTIAL }).done()
  s1.destroy()
  s2.destroy()
  t.is(partial.core.length, ENTRIES)
  t.is(partial.core.contiguousLength, PARTIAL)
  const pn = new Network(partial.store, netOptions(bootstrap))
  t.teardown(() => pn.close(), { order: -0.5 })
  await pn.join(partial)

  // the follower, with a follower's small connection budget
  const f = await reader(t, w.key)
  const fn = new Network(f.store, netOptions(bootstrap, { maxPeers: 4 }))
  t.teardown(() => fn.close(), { order: -0.5 })
  await fn.join(f)
  await fn.flush()
  const seen = follow(t, f)
  t.ok(await until(() => f.core.contiguousLength === PARTIAL && f.core.length === ENTRIES, DEADLINE), 'the follower got what the partial peer holds')
  // and gives it out while it waits for the rest
  t.ok(await until(() => seen.count() === PARTIAL, 5000), `the follower gave out the entries it holds (${seen.count()} of ${PARTIAL})`)

  // the writer announces, and looks for no one
  const wn = new Network(w.store, netOptions(bootstrap))
  t.teardown(() => wn.close(), { order: -0.5 })
  await wn.join(w, { server: true, client: false })
  await wn.flush()
  const started = Date.now()
  const all = await until(() => seen.count() === ENTRIES, DEADLINE)
  t.ok(all, `the follower got every entry (${seen.count()} of ${ENTRIES})`)
  if (all) t.comment(`from the writer ${Date.now() - started} ms after it announced`)
})

// Issue 19, seen in stalled viewers: a peer holding every block, and either
// nothing asked of it and no upgrade pending (Hypercore waits for the peer to
// acknowledge its length in a sync that never came), or hundreds of requests
// to it unanswered for minutes. Here the writer's first connection loses its
// syncs after the opening one, or every answer: the same states on demand. The
// follower must reconnect and get every entry.
type WirePeer = { wireSync: { send: (m: unknown) => void }, wireData: { send: (m: unknown) => void } }
const FAULTS: [string, (peer: WirePeer) => void][] = [
  ['loses its syncs', (peer) => { peer.wireSync.send = () => {} }],
  ['loses its answers', (peer) => { peer.wireData.send = () => {} }]
]

for (const [fault, inject] of FAULTS) {
  test(`a follower reconnects a peer that has what it lacks and ${fault}`, { timeout: 90_000 }, async (t) => {
    const { bootstrap } = await testnet(t)
    const w = await writer(t)
    await w.append(entries(PARTIAL))

    // the follower already holds the first PARTIAL entries (its length is PARTIAL)
    const f = await reader(t, w.key)
    const s1 = w.store.corestore.replicate(true)
    const s2 = f.store.corestore.replicate(false)
    s1.pipe(s2).pipe(s1)
    await f.core.update({ wait: true })
    await f.core.download({ start: 0, end: PARTIAL }).done()
    s1.destroy()
    s2.destroy()
    await w.append(entries(ENTRIES - PARTIAL))

    // a fault put into the real replicator, on the first connection only
    let connections = 0
    w.core.on('peer-add', (peer) => { if (connections++ === 0) inject(peer as unknown as WirePeer) })
    const wn = new Network(w.store, netOptions(bootstrap))
    t.teardown(() => wn.close(), { order: -0.5 })
    await wn.join(w)
    const fn = new Network(f.store, netOptions(bootstrap, { maxPeers: 4 }))
    t.teardown(() => fn.close(), { order: -0.5 })
    await fn.join(f)
    const seen = follow(t, f)
    t.ok(await until(() => peerStates(f.core).some(p => p.length === ENTRIES), DEADLINE), 'the follower knows the writer has more')

    const all = await until(() => seen.count() === ENTRIES, DEADLINE)
    t.ok(all, `the follower got every entry (${seen.count()} of ${ENTRIES})`)
    t.ok(connections >= 2, `over a new connection (${connections} connections)`)
  })
}
