import { spawn, spawnSync } from 'node:child_process'
import dgram from 'node:dgram'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import DHT from 'hyperdht'
import Hypercore from 'hypercore'
import Hyperswarm from 'hyperswarm'
import type ReadyResource from 'ready-resource'
import { WebSocketServer } from 'ws'
import { Feed, Network } from '../src/index.js'
import { BootstrapNode } from '../src/network/local.js'
import { BootstrapHealth } from '../src/network/health.js'
import { DhtSwarm } from '../src/network/dht.js'
import { Gossip } from '../src/network/gossip.js'
import { PeerBudget } from '../src/network/peer-budget.js'
import { WsMesh } from '../src/network/ws-mesh.js'
import { WsListener, WsPeer } from '../src/network/ws-peers.js'
import { Miner } from '../src/chain/mine.js'
import { BlockWriter } from '../src/feed/block-writer.js'
import { ChainIndex } from '../src/feed/chain-index.js'
import { lanHosts } from './helpers/netns.js'
import { testIf } from './helpers/skip.js'
import { testnet } from './helpers/index.js'

const CAN_NETNS = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0

// close() twice gives the same promise, which settles, and leaves the resource closed.
async function closeTwice (t: test.Assert, resource: ReadyResource, name: string): Promise<void> {
  const first = resource.close()
  const second = resource.close()
  t.is(first, second, `${name}: a second close() returns the first one's promise`)
  await first
  t.ok(resource.closed, `${name}: closed`)
  t.is(resource.close(), first, `${name}: close() after closing is still that promise`)
}

async function writerFeed (t: test.Assert): Promise<Feed> {
  const feed = await Feed.openWriterIn({ storage: await t.tmp() }, 'life')
  t.teardown(() => feed.close())
  return feed
}

function refused (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(false) })
    socket.once('error', () => resolve(true))
  })
}

test('WsListener: nothing listens before ready(); close twice stops listening', async (t) => {
  const listener = new WsListener(() => { throw new Error('no connection expected') }, { port: 0, host: '127.0.0.1' })
  t.is(listener.port, 0, 'the constructor opens nothing')
  await listener.ready()
  const port = listener.port
  t.ok(port > 0)
  t.absent(await refused(port), 'listening once open')
  await closeTwice(t, listener, 'WsListener')
  t.ok(await refused(port), 'nothing listens after close')
})

test('WsPeer: close twice ends the connection and the reconnecting', async (t) => {
  const feed = await writerFeed(t)
  const network = new Network(feed.store, { swarm: false, wsPort: 0, wsHost: '127.0.0.1', gossip: false })
  t.teardown(() => network.close())
  await network.join(feed)
  const peer = new WsPeer((initiator) => Hypercore.createProtocolStream(initiator), `ws://127.0.0.1:${network.wsPort}`)
  const connected = new Promise(resolve => peer.once('connection', resolve))
  await peer.ready()
  await connected
  t.ok(peer.connected)
  const gone = new Promise(resolve => network.once('disconnection', resolve))
  await closeTwice(t, peer, 'WsPeer')
  await gone
  t.ok(peer.stopped, 'stopped: it will not reconnect')
  t.is(network.connections, 0, 'the listener saw the connection end')
})

test('WsPeer closed before ready() never dials', async (t) => {
  let dialed = false
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  server.on('connection', () => { dialed = true })
  await new Promise(resolve => server.once('listening', resolve))
  const peer = new WsPeer(noStream, `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`)
  await closeTwice(t, peer, 'WsPeer (never opened)')
  await peer.ready()
  await new Promise(resolve => setTimeout(resolve, 300))
  t.absent(dialed, 'no connection was made')
})

test('BootstrapNode: holds its port once open; close twice frees it', async (t) => {
  const port = await freePort()
  const node = new BootstrapNode({ host: '127.0.0.1', port, takeover: false })
  t.absent(node.holding, 'the constructor holds nothing')
  await node.hold()
  t.ok(node.holding)
  t.absent(await udpFree(port), 'the UDP port is held')
  await closeTwice(t, node, 'BootstrapNode')
  t.absent(node.holding)
  t.ok(await udpFree(port), 'the UDP port is free again')
})

test('BootstrapHealth, PeerBudget, DhtSwarm: close twice', async (t) => {
  const { bootstrap } = await testnet(t)
  const dht = new DHT({ bootstrap, host: '127.0.0.1', firewalled: false })
  t.teardown(() => dht.destroy({ force: true }), { order: 1 })
  const health = new BootstrapHealth(dht, bootstrap)
  t.is(health.reachable, null)
  await health.ready()
  t.ok(await until(() => health.reachable === true, 10_000), 'once open, it pings the bootstrap node')
  await closeTwice(t, health, 'BootstrapHealth')

  const swarm = new Hyperswarm({ dht })
  t.teardown(() => swarm.destroy())
  const budget = new PeerBudget(swarm, () => [])
  t.is(swarm.listenerCount('connection'), 0, 'the constructor does not listen')
  await budget.ready()
  t.is(swarm.listenerCount('connection'), 1)
  await closeTwice(t, budget, 'PeerBudget')
  t.is(swarm.listenerCount('connection'), 0, 'its listener is gone')

  const dhtSwarm = new DhtSwarm({ bootstrap, host: '127.0.0.1', localBootstrap: null, keyPair: DHT.keyPair(), joined: () => [] })
  await dhtSwarm.ready()
  const inner = dhtSwarm.swarm!
  await closeTwice(t, dhtSwarm, 'DhtSwarm')
  t.ok(inner.destroyed, 'its Hyperswarm is destroyed')
  t.ok(dhtSwarm.health!.closed && dhtSwarm.budget!.closed, 'its health check and budget are closed')
})

test('Gossip and WsMesh: close twice', async (t) => {
  const gossip = new Gossip({ listen: () => ({ port: 0, host: '' }) })
  await gossip.ready()
  await closeTwice(t, gossip, 'Gossip')

  const mesh = new WsMesh(noStream, { wsPort: 0, wsHost: '127.0.0.1', peers: [], gossip: true, lan: null })
  t.is(mesh.wsPort, null, 'the constructor opens nothing')
  await mesh.ready()
  const port = mesh.wsPort!
  t.ok(port > 0)
  await closeTwice(t, mesh, 'WsMesh')
  t.ok(mesh.gossip!.closed, 'its gossip is closed')
  t.ok(await refused(port), 'its listener is closed')
})

test('Network: close twice, also after a failed open', async (t) => {
  const feed = await writerFeed(t)
  const network = new Network(feed.store, { swarm: false, wsPort: 0, wsHost: '127.0.0.1' })
  await network.join(feed)
  const port = network.wsPort!
  await closeTwice(t, network, 'Network')
  t.ok(await refused(port))

  const holder = net.createServer()
  await new Promise<void>(resolve => holder.listen(0, '127.0.0.1', resolve))
  t.teardown(() => holder.close())
  const taken = (holder.address() as net.AddressInfo).port
  const failing = new Network(feed.store, { swarm: false, wsPort: taken, wsHost: '127.0.0.1' })
  await t.exception(failing.ready(), /already in use/)
  await closeTwice(t, failing, 'Network (failed open)')
})

test('Miner: close twice stops the worker; mining after close fails with MINING_STOPPED', async (t) => {
  const miner = new Miner()
  const mined = await miner.mine({ height: 0, time: 1, prev: '0'.repeat(64), difficulty: 1, data: 'x' })
  t.ok(mined.block.hash)
  const search = miner.mine({ height: 0, time: 1, prev: '0'.repeat(64), difficulty: 32, data: 'never found in time' })
  await closeTwice(t, miner, 'Miner')
  await t.exception(search, /mining stopped/, 'the search under way is abandoned')
  await t.exception(miner.mine({ height: 0, time: 1, prev: '0'.repeat(64), difficulty: 1, data: 'x' }), /mining stopped/)
})

test('BlockWriter: close twice abandons the block being mined and appends nothing', async (t) => {
  const feed = await writerFeed(t)
  const blocks = new BlockWriter(feed, { difficulty: 1 })
  await blocks.mine('first')
  t.is(feed.length, 1)
  const mining = blocks.mine('too hard', { difficulty: 32 })
  await closeTwice(t, blocks, 'BlockWriter')
  await t.exception(mining, /mining stopped/)
  await t.exception(blocks.mine('after'), /mining stopped/)
  t.is(feed.length, 1, 'nothing half-appended')
})

test('ChainIndex: close twice stops following', async (t) => {
  const feed = await writerFeed(t)
  await feed.append([{ type: 'a' }, { type: 'b' }])
  const index = new ChainIndex(feed)
  await index.ready()
  t.ok(await index.reached(2, 10_000), 'it checks what is there')
  await closeTwice(t, index, 'ChainIndex')
  await feed.append([{ type: 'c' }, { type: 'd' }])
  const control = new ChainIndex(feed)
  t.teardown(() => control.close())
  await control.ready()
  t.ok(await control.reached(4, 10_000), 'an open index sees the new entries')
  t.is(index.position, 2, 'the closed one does not')
})

test('Follower: destroy() is close(); close twice ends a live loop waiting for entries', async (t) => {
  const feed = await writerFeed(t)
  await feed.append({ type: 'one' })
  const follower = feed.follow({ live: true })
  const seen: number[] = []
  const loop = (async () => {
    for await (const batch of follower) seen.push(...batch.map(r => r.seq))
  })()
  await follower.ready()
  t.ok(await until(() => seen.length > 0, 10_000))
  const first = follower.destroy()
  t.is(follower.close(), first, 'destroy() and close() are one promise')
  await closeTwice(t, follower, 'Follower')
  await loop
  t.alike(seen, [0], 'the live loop ended')

  const never = feed.follow({ live: true })
  await closeTwice(t, never, 'Follower (never iterated)')
  for await (const _ of never) t.fail('a closed follower yields nothing')
})

test('Feed and Store: close twice; a feed that owns its store closes it', async (t) => {
  const feed = await Feed.openWriterIn({ storage: await t.tmp() }, 'owner')
  const store = feed.store
  await closeTwice(t, feed, 'Feed')
  t.ok(store.closed, 'its store is closed with it')
  await closeTwice(t, store, 'Store')
})

testIf(CAN_NETNS ? null : 'network namespaces need root and iproute2 (ip netns)', 'LanDiscovery: close twice says goodbye and releases the socket (in a namespace of its own)', {}, async (t) => {
  const [host] = lanHosts(t, 1)!
  const lan = fileURLToPath(new URL('../src/network/lan.js', import.meta.url))
  const iface = fileURLToPath(new URL('../src/network/lan-interface.js', import.meta.url))
  const script = `
    const { LanDiscovery } = await import(${JSON.stringify(lan)})
    const { pickInterface } = await import(${JSON.stringify(iface)})
    const d = new LanDiscovery({ iface: pickInterface('eth0'), id: 'a'.repeat(32), port: 1234, dialing: () => false })
    await d.ready()
    d.join('b'.repeat(32))
    const a = d.close(), b = d.close()
    await a
    console.log(JSON.stringify({ same: a === b, closed: d.closed }))
  `
  const child = spawn(host!.wrap[0]!, [...host!.wrap.slice(1), process.execPath, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d })
  const code = await new Promise(resolve => child.once('exit', resolve))
  t.is(code, 0, 'the process exits by itself: nothing is left open')
  t.alike(JSON.parse(out), { same: true, closed: true })
})

// Polls `check` (for state that has no event of its own) until it holds or `ms` pass.
async function until (check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return true
}

function noStream (): never {
  throw new Error('no replication expected')
}

async function freePort (): Promise<number> {
  for (;;) {
    const server = net.createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    await new Promise(resolve => server.close(resolve))
    if (await udpFree(port)) return port
  }
}

function udpFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = dgram.createSocket('udp4')
    socket.once('error', () => { socket.close(); resolve(false) })
    socket.bind(port, '127.0.0.1', () => { socket.close(() => resolve(true)) })
  })
}
