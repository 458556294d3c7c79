import { spawnSync } from 'node:child_process'
import path from 'node:path'
import BlindPeer from 'blind-peer'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import test from 'brittle'
import { Feed, Network, Store, parseFeedRef, toHex } from '../src/index.js'
import { IdentityHold, loadIdentity } from '../src/mirror/identity.js'
import { discoveryKeyOf } from '../src/keys.js'
import { Mirror } from '../src/mirror/mirror.js'
import { filesContain, netOptions, testnet } from './helpers/index.js'
import { identityOf, libraryWriter, stockBlindPeer, stockHeld, until } from './helpers/mirror.js'

const texts = (entries: Awaited<ReturnType<Feed['read']>>) => entries.map(e => 'value' in e ? e.value.text : null)

// A fresh reader that reads the whole feed from whoever it can reach: the
// mirror by its key (joinPeer), or (plain) whoever announces the feed.
async function freshReader (t: Parameters<typeof testnet>[0], bootstrap: { host: string, port: number }[], key: Buffer, { mirror = null as Buffer | null, encryptionKey = null as Buffer | null } = {}) {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const feed = await Feed.open(store, key, { encryptionKey })
  t.teardown(() => feed.close())
  const network = new Network(store, netOptions(bootstrap))
  t.teardown(() => network.close(), { order: -0.5 })
  await network.join(feed)
  if (mirror !== null) network.swarm!.joinPeer(mirror)
  return { feed, network }
}

async function readAll (feed: Feed, length: number, timeout = 20_000) {
  await until(async () => { await feed.core.update({ wait: true }); return feed.core.length >= length }, timeout, `the feed's length ${length}`)
  await feed.core.download({ start: 0, end: length }).done()
  return feed.read(0, length)
}

test('a stock blind-peer keeps a feed registered by MirrorClient; with the writer gone, a fresh reader reads every block from it', { timeout: 90_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const peer = await stockBlindPeer(t, bootstrap)
  const w = await libraryWriter(t, bootstrap, { mirrors: [peer.publicKey], count: 1000 })
  const connected = new Promise<string>(resolve => w.client.once('mirror-connected', resolve))
  w.client.keepFeed(w.feed)
  t.is(await connected, toHex(peer.publicKey), 'the client sees the mirror replicate the feed')
  await until(async () => await stockHeld(peer, w.feed.core) === 1000, 30_000, 'the blind peer to hold all 1,000 blocks')
  await until(() => w.client.mirrorLength(w.feed.core, peer.publicKey) === 1000, 10_000, 'the client to learn that the mirror holds it all')
  const key = w.feed.key
  await w.close()

  const r = await freshReader(t, bootstrap, key, { mirror: peer.publicKey })
  const entries = await readAll(r.feed, 1000)
  t.is(entries.length, 1000)
  t.alike(texts(entries), Array.from({ length: 1000 }, (_, i) => `entry ${i}`), 'every entry, in order, from the mirror alone')
})

test('trusted identity: the mirror announces the feed and a plain lookup finds it with the writer gone; untrusted: kept, not announced, and said so', { timeout: 120_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const trusted = await identityOf(t)
  const mirror = new Mirror(await t.tmp(), { trusted: [trusted.keyPair.publicKey], network: netOptions(bootstrap) })
  t.teardown(() => mirror.close(), { order: -0.5 })
  await mirror.ready()
  const added: { key: string, announce: boolean, remote: string }[] = []
  mirror.on('core-added', ({ key, announce, remote }) => added.push({ key: toHex(key), announce, remote: toHex(remote) }))
  const downgraded: { remote: string, cores: string[] }[] = []
  mirror.on('announce-downgraded', ({ remote, cores }) => downgraded.push({ remote: toHex(remote), cores: cores.map(toHex) }))

  const a = await libraryWriter(t, bootstrap, { mirrors: [mirror.key], count: 200, identity: trusted.keyPair, text: i => `trusted ${i}` })
  t.alike(a.client.identity, trusted.keyPair.publicKey, 'the client connects with the storage identity (the DHT node\'s key pair)')
  a.client.keepFeed(a.feed)
  const b = await libraryWriter(t, bootstrap, { mirrors: [mirror.key], count: 200, text: i => `untrusted ${i}` })
  b.client.keepFeed(b.feed)
  await until(async () => (await mirror.held([a.feed.key, b.feed.key])).every(h => h?.contiguousLength === 200), 30_000, 'the mirror to hold both feeds')

  t.alike(added.find(r => r.key === toHex(a.feed.key)), { key: toHex(a.feed.key), announce: true, remote: toHex(trusted.keyPair.publicKey) })
  t.alike(added.find(r => r.key === toHex(b.feed.key)), { key: toHex(b.feed.key), announce: false, remote: toHex(b.client.identity) })
  t.alike(downgraded, [{ remote: toHex(b.client.identity), cores: [toHex(b.feed.key)] }], 'one downgrade, naming the untrusted identity and its core')
  t.is(mirror.stats().announcedCores, 1)
  t.is(mirror.stats().cores, 2)

  const keys = { a: a.feed.key, b: b.feed.key }
  await a.close()
  await b.close()

  // who announces each feed on the DHT, with both writers gone
  const dht = new DHT({ bootstrap, host: '127.0.0.1', firewalled: false })
  t.teardown(() => dht.destroy(), { order: -0.5 })
  const announcers = async (key: Buffer) => {
    const found = new Set<string>()
    for await (const reply of dht.lookup(discoveryKeyOf(key))) for (const peer of reply.peers) found.add(toHex(peer.publicKey))
    return found
  }
  const mirrorSwarmKey = toHex(mirror.key)
  await until(async () => (await announcers(keys.a)).has(mirrorSwarmKey), 15_000, 'the mirror to announce the trusted feed')
  t.absent((await announcers(keys.b)).has(mirrorSwarmKey), 'the untrusted feed is not announced')

  // a plain reader (no mirror key) finds the trusted feed on the DHT
  const plain = await freshReader(t, bootstrap, keys.a)
  t.alike(texts(await readAll(plain.feed, 200)), Array.from({ length: 200 }, (_, i) => `trusted ${i}`))
  // the untrusted one is still there for a reader that names the mirror
  const direct = await freshReader(t, bootstrap, keys.b, { mirror: mirror.key })
  t.alike(texts(await readAll(direct.feed, 200)), Array.from({ length: 200 }, (_, i) => `untrusted ${i}`))
})

test('a private feed: the mirror keeps every block, and its plaintext appears nowhere in the mirror\'s storage (a public feed\'s does)', { timeout: 90_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const dir = await t.tmp()
  const mirror = new Mirror(dir, { network: netOptions(bootstrap) })
  t.teardown(() => mirror.close(), { order: -0.5 })
  await mirror.ready()
  const secret = (i: number) => `the eagle lands at midnight ${i}`
  const open = (i: number) => `an open postcard ${i}`
  const priv = await libraryWriter(t, bootstrap, { mirrors: [mirror.key], count: 50, encrypt: true, text: secret })
  const pub = await libraryWriter(t, bootstrap, { mirrors: [mirror.key], count: 50, text: open })
  priv.client.keepFeed(priv.feed)
  pub.client.keepFeed(pub.feed)
  await until(async () => (await mirror.held([priv.feed.key, pub.feed.key])).every(h => h?.contiguousLength === 50), 30_000, 'the mirror to hold both feeds')
  const invite = priv.feed.invite!
  await priv.close()
  await pub.close()
  await mirror.close()

  t.absent(filesContain(dir, 'the eagle lands'), 'no plaintext of the private feed in the mirror\'s files')
  t.ok(filesContain(dir, 'an open postcard'), 'control: the public feed\'s text is there in the clear (so the search can find text)')

  // and the mirror really holds the private entries: an invited reader gets them from it
  const again = new Mirror(dir, { network: netOptions(bootstrap) })
  t.teardown(() => again.close(), { order: -0.5 })
  await again.ready()
  const ref = parseFeedRef(invite)
  const r = await freshReader(t, bootstrap, ref.key, { mirror: again.key, encryptionKey: ref.encryptionKey })
  t.alike(texts(await readAll(r.feed, 50)), Array.from({ length: 50 }, (_, i) => secret(i)))
})

test('an unreachable mirror costs one warning naming it; the reachable one keeps the feed and the writer keeps writing', { timeout: 60_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const peer = await stockBlindPeer(t, bootstrap)
  const nobody = DHT.keyPair().publicKey
  const w = await libraryWriter(t, bootstrap, { mirrors: [nobody, peer.publicKey], count: 10 })
  const warnings: string[] = []
  w.client.on('warning', err => warnings.push(err.message))
  w.client.keepFeed(w.feed)
  await w.feed.append([{ type: 'chat', nick: 'w', text: 'still writing', time: Date.now() }])
  await until(async () => await stockHeld(peer, w.feed.core) === 11, 20_000, 'the reachable mirror to hold the feed')
  await until(() => warnings.length > 0, 10_000, 'a warning')
  await new Promise(resolve => setTimeout(resolve, 4000))
  t.alike(warnings, [`mirror ${toHex(nobody)} is unreachable (no connection within 3s); still trying, everything else keeps working`], 'one warning, for the missing mirror only')
  t.ok(w.client.connected(peer.publicKey))
  t.absent(w.client.connected(nobody))
})

test('a kept feed closed before its client: the mirror is said disconnected, and no warning follows', { timeout: 60_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const peer = await stockBlindPeer(t, bootstrap)
  const w = await libraryWriter(t, bootstrap, { mirrors: [peer.publicKey], count: 10 })
  const warnings: string[] = []
  w.client.on('warning', err => warnings.push(err.message))
  const connected = new Promise(resolve => w.client.once('mirror-connected', resolve))
  w.client.keepFeed(w.feed)
  await connected
  const disconnected = new Promise(resolve => w.client.once('mirror-disconnected', resolve))
  await w.feed.close()
  t.is(await disconnected, toHex(peer.publicKey))
  await new Promise(resolve => setTimeout(resolve, 4000))
  t.alike(warnings, [], 'no "unreachable" warning for a mirror of nothing')
})

test('the mirror keeps its key across restarts, and a stock blind-peer opening its directory has the same key', { timeout: 60_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const dir = await t.tmp()
  const first = new Mirror(dir, { network: netOptions(bootstrap) })
  await first.ready()
  const key = first.key
  await first.close()
  const second = new Mirror(dir, { network: netOptions(bootstrap) })
  await second.ready()
  t.alike(second.key, key, 'same key after a restart')
  await second.close()
  // blind-peer derives its key itself when it builds its own swarm: the same one
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1', firewalled: false }) })
  const stock = new BlindPeer(dir, { swarm })
  await stock.ready()
  const own = (stock as unknown as { db: { swarmingKeyPair: { publicKey: Buffer } } }).db.swarmingKeyPair.publicKey
  t.alike(own, key, 'blind-peer\'s own key for that directory')
  await swarm.destroy()
  await stock.close()
})

test('identity: stable for a storage root, held by one process at a time', async (t) => {
  const dir = await t.tmp()
  const a = await loadIdentity(dir)
  const b = await loadIdentity(dir)
  t.alike(a.publicKey, b.publicKey, 'the same key each time')
  t.not(toHex(a.publicKey), toHex((await loadIdentity(await t.tmp())).publicKey), 'another storage, another key')
  const hold = await IdentityHold.acquire(dir)
  t.ok(hold?.held)
  t.alike(hold!.keyPair.publicKey, a.publicKey)
  t.is(await IdentityHold.acquire(dir), null, 'a second hold waits for the first to go')
  await hold!.release()
  await hold!.release()
  const again = await IdentityHold.acquire(dir)
  t.ok(again?.held, 'free again after release')
  await again!.release()
  t.ok(path.isAbsolute(dir))
})

test('importing the library does not load blind-peer (it switches Hypercore to small wants for the whole process); the mirror module does', async (t) => {
  const index = new URL('../src/index.js', import.meta.url).href
  const script = (body: string) => `import { createRequire } from 'node:module'; const lib = await import(${JSON.stringify(index)}); ${body}; const loaded = Object.keys(createRequire(import.meta.url).cache).some(k => k.includes('/node_modules/blind-peer/')); console.log(loaded)`
  const run = (body: string) => spawnSync(process.execPath, ['--input-type=module', '-e', script(body)], { encoding: 'utf8' })
  t.is(run('').stdout.trim(), 'false', 'not by the library alone')
  t.is(run('await import(new URL("./mirror/mirror.js", ' + JSON.stringify(index) + ').href); void lib').stdout.trim(), 'true', 'control: by the mirror module')
})
