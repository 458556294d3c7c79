import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import { Network, Store } from '../src/index.js'
import { MAX_UNREACHABLE } from '../src/network/ws-mesh.js'
import { until } from '../src/wait.js'
import { sleep, spawnCli } from './helpers/index.js'
import { privateNetwork, privateNetworkMissing } from './helpers/netns.js'
import { testIf } from './helpers/skip.js'
import { createRoom } from './helpers/rooms.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

async function node (t: test.Assert, opts: ConstructorParameters<typeof Network>[1]) {
  const store = await Store.open(await t.tmp())
  const network = new Network(store, { swarm: false, ...opts })
  t.teardown(async () => { await network.close(); await store.close() })
  await network.ready()
  return network
}

test('one node named twice is one link; unreachable addresses are bounded; a frozen peer leaves the peer list', { timeout: 60_000 }, async (t) => {
  const a = await node(t, { wsPort: 0, wsHost: '127.0.0.1' })
  const b = await node(t, { peers: [`ws://localhost:${a.wsPort}`, `ws://127.0.0.1:${a.wsPort}`] })
  await until(() => b.connections === 1, [{ emitter: b, event: 'connection' }], { timeout: 10_000 })
  t.is(await b.addPeer(`ws://localhost:${a.wsPort}/`), `ws://localhost:${a.wsPort}/`, 'added again: the same link')
  t.is(b.wsPeerCount, 1, 'localhost and 127.0.0.1 make one link')

  // ports nothing listens on: refused at once, retried for ever, but only so many kept
  b.on('warning', () => {})
  for (let port = 1; port <= MAX_UNREACHABLE + 10; port++) await b.addPeer(`ws://127.0.0.1:${port}`)
  t.is(b.wsPeerCount, 1 + MAX_UNREACHABLE, `the live link and ${MAX_UNREACHABLE} unreachable addresses`)
  t.is(b.peers().length, 1, 'peers lists the live link only')

  // a peer whose process is frozen sends no close: the heartbeat drops it
  const child = spawn(process.execPath, ['-e', `const { WebSocket } = require('ws'); new WebSocket('ws://127.0.0.1:${a.wsPort}').on('open', () => console.log('open'))`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill('SIGKILL') })
  await new Promise(resolve => child.stdout!.once('data', resolve))
  await until(() => a.peers().length === 2, [{ emitter: a, event: 'connection' }], { timeout: 5000 })
  child.kill('SIGSTOP')
  const gone = await until(() => a.peers().length === 1, [{ emitter: a, event: 'disconnection' }], { timeout: 20_000 })
  t.ok(gone, 'the frozen peer is no longer listed')
})

test('room join honours PEERS', { timeout: 60_000 }, async (t) => {
  const { invite, member: alice } = await createRoom(t, ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'])
  const ws = /at (ws:\/\/127\.0\.0\.1:\d+)$/.exec(await alice.cli!.errLine(/accepting WebSocket peers at /))![1]!
  const bob = spawnCli(t, ['room', 'join', invite, '--name', 'r', '--nick', 'bob', '--no-swarm'], { storage: await t.tmp(), env: { PEERS: ws } })
  await bob.errLine(/^hyperfeed: joined room /, { timeout: 30_000 })
  await alice.cli!.line('* bob joined', { timeout: 20_000 })
})

testIf(privateNetworkMissing(), 'a WebSocket node on the default DHT prints no DHT warning; without WebSocket peers it does', { timeout: 60_000 }, async (t) => {
  const wrap = await privateNetwork(t)
  const env = { HYPERFEED_BOOTSTRAP: undefined }
  const wsNode = spawnCli(t, ['write', '--nick', 'w', '--ws-port', '0'], { storage: await t.tmp(), wrap, env })
  const dhtNode = spawnCli(t, ['write', '--nick', 'd'], { storage: await t.tmp(), wrap, env })
  await dhtNode.errLine(/no DHT bootstrap node answers at the public DHT/, { timeout: 30_000 })
  await sleep(1000)
  t.absent(wsNode.stderr.lines.some(l => l.includes('DHT')), `no DHT line: ${wsNode.stderr.text}`)
})
