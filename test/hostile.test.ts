import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import test from 'brittle'
import Corestore from 'corestore'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import { WebSocket } from 'ws'
import { GENESIS_PREV, blockHash } from '../src/index.js'
import { netOptions, network, runCli, sleep, spawnCli, testnet, writer, type Cli } from './helpers/index.js'

function openFds (pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length
}

function rssMb (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

async function settle (v: Cli, ms = 1500) {
  await sleep(ms)
  return { fds: openFds(v.proc.pid!), rss: rssMb(v.proc.pid!) }
}

test('hostile peers on the feed\'s topic (another feed, random bytes, a stalled peer): honest entries flow, nothing foreign is kept, nothing leaks', { timeout: 180_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const honest = await writer(t)
  await honest.append(Array.from({ length: 200 }, (_, i) => ({ type: 'honest', i })))
  await network(t, honest, netOptions(bootstrap))
  const topic = honest.discoveryKey
  const swarms: Hyperswarm[] = []
  const newSwarm = () => {
    const s = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1', firewalled: false }) })
    swarms.push(s)
    return s
  }
  t.teardown(() => Promise.all(swarms.map(s => s.destroy())), { order: -0.5 })

  // 1. another feed (its own key pair) announced under this feed's discovery key
  const foreignStore = new Corestore(await t.tmp())
  t.teardown(() => foreignStore.close(), { order: 1 })
  const foreign = foreignStore.get({ name: 'imposter' })
  await foreign.ready()
  await foreign.append(Array.from({ length: 50 }, (_, i) => Buffer.from(JSON.stringify({ type: 'honest', i, forged: true }))))
  const imposter = newSwarm()
  imposter.on('connection', (conn) => { conn.on('error', () => {}); foreignStore.replicate(conn) })
  imposter.join(topic, { server: true, client: true })
  await imposter.flush()

  const storage = await t.tmp()
  const v = spawnCli(t, ['view', honest.key.toString('hex'), '--json', '--bootstrap', flag], { storage })
  await v.line(/"seq":199,/, { timeout: 20_000 })
  const before = await settle(v)

  // 2. peers that connect and send random bytes, again and again
  let noisyConnections = 0
  for (let round = 0; round < 15; round++) {
    const noisy = newSwarm()
    noisy.on('connection', (conn) => {
      noisyConnections++
      conn.on('error', () => {})
      const timer = setInterval(() => { if (!conn.destroyed) conn.write(crypto.randomBytes(1 + Math.floor(Math.random() * 4096))) }, 20)
      conn.on('close', () => clearInterval(timer))
    })
    noisy.join(topic, { server: false, client: true })
    await noisy.flush()
    await sleep(200)
    await noisy.destroy()
    swarms.splice(swarms.indexOf(noisy), 1)
  }

  // 3. a peer that connects and then never says anything
  const staller = newSwarm()
  const stalled: unknown[] = []
  staller.on('connection', (conn) => { conn.on('error', () => {}); stalled.push(conn) })
  staller.join(topic, { server: true, client: true })
  await staller.flush()

  // through all of it, honest entries keep arriving, in order
  await honest.append(Array.from({ length: 100 }, (_, i) => ({ type: 'honest', i: 200 + i })))
  await v.line(/"seq":299,/, { timeout: 20_000 })
  t.ok(stalled.length > 0, 'the stalling peer is connected')
  t.ok(noisyConnections >= 10, `${noisyConnections} random-bytes connections reached the viewer`)
  const lines = v.stdout.lines.map(l => JSON.parse(l))
  t.is(lines.length, 300)
  t.ok(lines.every((l, i) => l.seq === i && l.value.type === 'honest' && l.value.i === i && !l.value.forged), 'only the honest feed, in order')

  const after = await settle(v, 3000)
  t.comment(`viewer open files ${before.fds} -> ${after.fds}, RSS ${before.rss.toFixed(1)} -> ${after.rss.toFixed(1)} MB after 15 random-bytes peers and a stalled one`)
  t.ok(after.fds <= before.fds + 8, `no file handles leaked (${before.fds} -> ${after.fds}, one more connection is open)`)
  t.ok(after.rss - before.rss < 40, `no memory leaked (${(after.rss - before.rss).toFixed(1)} MB)`)
  t.is((await v.stop()).code, 0)

  // the viewer's storage holds exactly one core: the honest feed
  const kept = new Corestore(storage + '/feeds/' + honest.key.toString('hex'), { readOnly: true })
  const cores: string[] = []
  for await (const dk of (kept as unknown as { list(): AsyncIterable<Buffer> }).list()) cores.push(Buffer.from(dk).toString('hex'))
  await kept.close()
  t.alike(cores, [honest.discoveryKey.toString('hex')], 'no foreign core was stored')
})

test('garbage-shaped entries from a raw Hypercore writer: view, verify and serve report them and never crash', { timeout: 120_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const store = new Corestore(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const core = store.get({ name: 'garbage' })
  await core.ready()
  const deep = '{"type":"deep","v":' + '['.repeat(300_000) + ']'.repeat(300_000) + '}'
  const b0 = { type: 'block', height: 0, time: 1, prev: GENESIS_PREV, difficulty: 0, nonce: 0, data: 'ok' }
  const deepBlock = '{"type":"block","height":1,"time":2,"prev":"' + blockHash(b0) + '","difficulty":0,"nonce":0,"data":' + '['.repeat(300_000) + ']'.repeat(300_000) + ',"hash":"' + 'a'.repeat(64) + '"}'
  const blocks: Buffer[] = [
    Buffer.from(JSON.stringify({ ...b0, hash: blockHash(b0) })),
    Buffer.from([0xff, 0x00, 0xfe, 0x80]),
    Buffer.from('not json'),
    Buffer.from('12345'),
    Buffer.from('null'),
    Buffer.from('{"type":null}'),
    Buffer.from(deep),
    Buffer.from(JSON.stringify({ type: 'huge', s: 'x'.repeat(2 * 1024 * 1024) })),
    Buffer.from(deepBlock),
    Buffer.alloc(0),
    Buffer.from('{"type":"chat","nick":"\\u001b[2J","text":"\\u0007ring\\r\\nfake line","time":"never"}'),
    Buffer.from('{"type":"fine","n":1}')
  ]
  await core.append(blocks)
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1', firewalled: false }) })
  t.teardown(() => swarm.destroy(), { order: -0.5 })
  swarm.on('connection', (conn) => { conn.on('error', () => {}); store.replicate(conn) })
  swarm.join(core.discoveryKey, { server: true, client: false })
  await swarm.flush()
  const key = core.key.toString('hex')

  const human = await runCli(['view', key, '--once', '--bootstrap', flag], { storage: await t.tmp() })
  t.is(human.code, 0, human.err)
  t.is(human.stdout.length, blocks.length, 'one line per entry')
  t.is(human.stdout[1], '! #1 unreadable: not UTF-8 text')
  t.is(human.stdout[2], '! #2 unreadable: not JSON')
  t.is(human.stdout[3], '! #3 unreadable: JSON a number, not an object')
  t.is(human.stdout[4], '! #4 unreadable: JSON null, not an object')
  t.is(human.stdout[5], '! #5 unreadable: object without a string "type"')
  t.is(human.stdout[6], '! #6 unreadable: entry too deeply nested to print')
  t.ok(human.stdout[7]!.startsWith('! #7 unreadable: entry is 2097'), human.stdout[7])
  t.ok(human.stdout[8]!.startsWith('#1 aaaaaaaaaaaa INVALID (data too deeply nested to hash)'), human.stdout[8])
  t.is(human.stdout[9], '! #9 unreadable: not JSON')
  t.absent(/[\x00-\x08\x0b-\x1f\x7f]/.test(human.out), 'no control characters reach the terminal')
  t.is(human.stdout[11], '{"type":"fine","n":1}')

  const json = await runCli(['view', key, '--once', '--json', '--bootstrap', flag], { storage: await t.tmp() })
  t.is(json.code, 0)
  const parsed = json.stdout.map(l => JSON.parse(l))
  t.alike(parsed[6], { seq: 6, error: 'entry too deeply nested to print' })
  t.is(parsed[8].valid, false)

  const verify = await runCli(['verify', key, '--bootstrap', flag], { storage: await t.tmp() })
  t.is(verify.code, 1)
  t.alike(verify.stdout, ['invalid: seq 8, height 1: data too deeply nested to hash (1 invalid of 2 blocks)'])

  const s = spawnCli(t, ['serve', key, '--port', '0', '--bootstrap', flag], { storage: await t.tmp() })
  const url = await s.line(/^http:\/\//)
  let entries: any[] = []
  for (let i = 0; i < 50 && entries.length < blocks.length; i++) {
    const res = await fetch(url + 'api/entries')
    if (res.ok) entries = await res.json() as any[]
    if (entries.length < blocks.length) await sleep(200)
  }
  t.is(entries.length, blocks.length, '/api/entries answers with every entry')
  t.alike(entries[1], { seq: 1, error: 'not UTF-8 text' })
  const chain = await (await fetch(url + 'api/blocks')).json() as any[]
  t.alike(chain.map(b => [b.seq, b.valid]), [[0, true], [8, false]])
  const live: any[] = await new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http', 'ws') + 'live')
    const got: any[] = []
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (m.seq !== undefined) got.push(m)
      if (got.length === blocks.length) { ws.close(); resolve(got) }
    })
    ws.on('error', reject)
  })
  t.is(live[6].error, 'entry too deeply nested to print')
  t.is((await fetch(url + 'api/info')).status, 200, 'the server is still up')
  t.is((await s.stop()).code, 0)
  await new Promise(resolve => http.get(url, resolve).on('error', resolve))
})
