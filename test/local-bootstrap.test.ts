import dgram from 'node:dgram'
import net from 'node:net'
import test from 'brittle'
import { privateNetwork, privateNetworkMissing } from './helpers/netns.js'
import { testIf } from './helpers/skip.js'
import { runCli, spawnCli } from './helpers/index.js'

// Ports tried for a --local node of the test's own: below the kernel's
// ephemeral range (where ordinary DHT nodes bind) and away from 30737.
const PORT_RANGE = [20_000, 30_000]

function tcpFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}

function udpFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = dgram.createSocket('udp4')
    socket.once('error', () => { socket.close(); resolve(false) })
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)))
  })
}

async function freeLocalPort (): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = PORT_RANGE[0]! + Math.floor(Math.random() * (PORT_RANGE[1]! - PORT_RANGE[0]!))
    if (await tcpFree(port) && await udpFree(port)) return port
  }
  throw new Error('no free port for a --local node')
}

// The README's two terminals, as any user (no root, no namespace): --local
// moved to a free port with HYPERFEED_LOCAL_PORT.
test('--local: the first process runs the bootstrap node, a viewer finds the writer through it, and takes the node over when the writer exits', { timeout: 90_000 }, async (t) => {
  const port = await freeLocalPort()
  const address = `127.0.0.1:${port}`
  const env = { HYPERFEED_LOCAL_PORT: String(port) }
  const wStorage = await t.tmp()
  const w = spawnCli(t, ['write', '--local', '--nick', 'loc'], { storage: wStorage, env })
  const key = await w.line(/^[0-9a-f]{64}$/)
  await w.errLine(`running the local bootstrap node at ${address}`)
  // another port than --local's own: the hint names it, so any terminal can paste it
  await w.errLine(`follow it with: hyperfeed view ${key} --bootstrap ${address}`)
  w.write('one\ntwo\n')

  const v1 = spawnCli(t, ['view', key, '--local'], { storage: await t.tmp(), env })
  await v1.line('loc: two')
  t.absent(v1.stderr.text.includes('running the local bootstrap node'), 'the viewer uses the writer\'s node')

  // the holder exits: the viewer takes the node over and keeps serving the feed
  t.is((await w.stop()).code, 0)
  await v1.errLine(`took over the local bootstrap node at ${address}`, { timeout: 10_000 })

  const started = Date.now()
  const v2 = await runCli(['view', key, '--local', '--once', '--timeout', '20'], { storage: await t.tmp(), env })
  t.is(v2.code, 0, `a new viewer finds the feed through the new node, from the first viewer${v2.code === 0 ? '' : ': ' + v2.err}`)
  t.is(v2.stdout.filter(l => l.includes('loc: ')).length, 2)
  t.comment(`new viewer synced from the remaining viewer in ${Date.now() - started} ms`)

  // the writer comes back: it uses the viewer's node, and the viewer gets what it writes
  const w2 = spawnCli(t, ['write', '--local', '--nick', 'loc'], { storage: wStorage, env })
  t.is(await w2.line(/^[0-9a-f]{64}$/), key)
  w2.write('three\n')
  await v1.line('loc: three', { timeout: 15_000 })
  t.absent(w2.stderr.text.includes('running the local bootstrap node'))
  t.is(v1.stdout.lines.length, 3)
})

test('hyperfeed bootstrap takes its default port from HYPERFEED_LOCAL_PORT, refuses a port already held, and a bad value is one line', async (t) => {
  const port = await freeLocalPort()
  const env = { HYPERFEED_LOCAL_PORT: String(port) }
  const b = spawnCli(t, ['bootstrap'], { env })
  t.is(await b.line(/./), `127.0.0.1:${port}`)
  const again = await runCli(['bootstrap'], { env })
  t.is(again.code, 1)
  t.alike(again.stderr, [`hyperfeed: bootstrap address 127.0.0.1:${port} is already in use`])
  t.is((await b.stop('SIGINT')).code, 0)
  for (const bad of ['0', 'high']) {
    const r = await runCli(['view', 'c'.repeat(64), '--local', '--once'], { storage: await t.tmp(), env: { HYPERFEED_LOCAL_PORT: bad } })
    t.is(r.code, 2, `HYPERFEED_LOCAL_PORT=${bad}: exit 2`)
    t.alike(r.stderr, [`hyperfeed: HYPERFEED_LOCAL_PORT must be a whole number from 1 to 65535, not ${JSON.stringify(bad)}`])
  }
})

// The default address itself, 127.0.0.1:30737, which any process on this
// machine may hold: only in a network namespace of the test's own.
testIf(privateNetworkMissing(), '--local and hyperfeed bootstrap default to 127.0.0.1:30737; a second bootstrap is refused', {}, async (t) => {
  const wrap = await privateNetwork(t)
  const b = spawnCli(t, ['bootstrap'], { wrap })
  t.is(await b.line(/./), '127.0.0.1:30737')
  const again = await runCli(['bootstrap'], { wrap })
  t.is(again.code, 1)
  t.alike(again.stderr, ['hyperfeed: bootstrap address 127.0.0.1:30737 is already in use'])

  // writers and viewers use it like any --local node
  const w = spawnCli(t, ['write', '--local', '--nick', 'b'], { storage: await t.tmp(), wrap })
  const key = await w.line(/^[0-9a-f]{64}$/)
  await w.errLine(`follow it with: hyperfeed view ${key} --local`)
  t.absent(w.stderr.text.includes('running the local bootstrap node'))
  w.write('via the bootstrap command\n')
  const v = await runCli(['view', key, '--bootstrap', '127.0.0.1:30737', '--once'], { storage: await t.tmp(), wrap })
  t.is(v.code, 0)
  t.ok(v.out.includes('b: via the bootstrap command'))
  t.is((await w.stop()).code, 0)

  // with the bootstrap command gone, a --local writer runs the node itself
  t.is((await b.stop('SIGINT')).code, 0)
  const w2 = spawnCli(t, ['write', '--local', '--nick', 'b'], { storage: await t.tmp(), wrap })
  await w2.line(/^[0-9a-f]{64}$/)
  await w2.errLine('running the local bootstrap node at 127.0.0.1:30737')
})
