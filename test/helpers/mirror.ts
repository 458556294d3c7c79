import BlindPeer from 'blind-peer'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import type test from 'brittle'
import { Feed, MirrorClient, Network, Store, chat } from '../../src/index.js'
import { MirrorDht } from '../../src/mirror/dht.js'
import { type KeyPair, loadIdentity } from '../../src/mirror/identity.js'
import { StorageRoot } from '../../src/storage.js'
import { netOptions, sleep } from './index.js'

type Nodes = { host: string, port: number }[]

// A stock blind peer from the blind-peer package, as its own tests run it,
// on a loopback swarm (the only thing it is handed: its DHT must be bound to
// 127.0.0.1 and unfirewalled here).
export async function stockBlindPeer (t: test.Assert, bootstrap: Nodes, opts: { trustedPubKeys?: Buffer[], dir?: string } = {}) {
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1', firewalled: false }) })
  const peer = new BlindPeer(opts.dir ?? await t.tmp(), { swarm, trustedPubKeys: opts.trustedPubKeys ?? [] })
  t.teardown(async () => {
    await swarm.destroy()
    await peer.close()
  }, { order: -0.5 })
  await peer.ready()
  await peer.listen()
  return peer
}

// A writer made with the library: a feed of `count` chat entries, online on
// the testnet, and a mirror client on a DHT node of its own (with `identity`:
// the key pair mirrors see; a fresh random one otherwise).
export async function libraryWriter (t: test.Assert, bootstrap: Nodes, { mirrors, count = 100, encrypt = false, text = (i: number) => `entry ${i}`, identity = null, dir }: { mirrors: Buffer[], count?: number, encrypt?: boolean, text?: (i: number) => string, identity?: KeyPair | null, dir?: string }) {
  const store = await Store.open(dir ?? await t.tmp())
  const feed = await Feed.openWriter(store, 'feed', { encrypt })
  for (let i = 0; i < count; i += 1000) {
    await feed.append(Array.from({ length: Math.min(1000, count - i) }, (_, j) => chat('w', text(i + j))))
  }
  const network = new Network(store, netOptions(bootstrap))
  await network.join(feed)
  const node = new MirrorDht(netOptions(bootstrap), { keyPair: identity })
  await node.ready()
  const client = new MirrorClient({ dht: node.dht, store: store.corestore, mirrors, unreachableAfter: 3000 })
  let closed = false
  // the writer going offline: mirror connections, the swarm, the DHT node, the feed
  const close = async () => {
    if (closed) return
    closed = true
    await client.close()
    await network.close()
    await node.close()
    await feed.close()
    await store.close()
  }
  t.teardown(close, { order: -0.7 })
  return { store, feed, network, node, client, close }
}

// An identity for a fresh storage root, as `hyperfeed id` makes it.
export async function identityOf (t: test.Assert, dir?: string) {
  const root = await StorageRoot.open(dir ?? await t.tmp())
  return { dir: root.dir, keyPair: await loadIdentity(root.dir) }
}

export async function until (check: () => boolean | Promise<boolean>, timeout: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await sleep(50)
  }
}

// What a stock blind peer holds of a core (its storage, never a session).
export async function stockHeld (peer: BlindPeer, core: { discoveryKey: Buffer }) {
  const storage = (peer.store as unknown as { storage: { getInfos (d: Buffer[]): Promise<({ hints: { contiguousLength: number } | null } | null)[]> } }).storage
  const [info] = await storage.getInfos([core.discoveryKey])
  return info?.hints?.contiguousLength ?? 0
}
