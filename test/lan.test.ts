import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type test from 'brittle'
import { type Cli, type SpawnOptions, runCli, sleep, spawnCli } from './helpers/index.js'
import { type LanHost, lanHosts, lanHostsMissing, privateNetwork, privateNetworkMissing } from './helpers/netns.js'
import { testIf } from './helpers/skip.js'
import { joinRoom } from './helpers/rooms.js'
import { lanTopic } from '../src/network/lan.js'
import { discoveryKeyOf } from '../src/keys.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// --lan and nothing else: no DHT named anywhere
const LAN: SpawnOptions['env'] = { HYPERFEED_BOOTSTRAP: undefined }
const FOUND = /^--lan: found a peer at (ws:\/\/[\d.]+:\d+)$/
const BRIDGE = lanHostsMissing()

function on (host: LanHost, storage: string): SpawnOptions {
  return { storage, wrap: host.wrap, env: LAN }
}

async function writer (t: test.Assert, host: LanHost, storage: string) {
  const w = spawnCli(t, ['write', '--lan', '--nick', 'alice'], on(host, storage))
  const key = await w.line(/^[0-9a-f]{64}$/)
  const url = /ws:\/\/[\d.]+:\d+$/.exec(await w.errLine(/^accepting WebSocket peers at /))![0]
  return { w, key, url }
}

testIf(BRIDGE, '--lan alone: a writer and viewers in other namespaces find each other, sync what exists, then live entries', {}, async (t) => {
  const hosts = lanHosts(t, 2)
  const [a, b] = hosts as [LanHost, LanHost]
  const { w, key, url } = await writer(t, a, await t.tmp())
  t.is(await w.errLine(/^--lan: /), `--lan: looking for peers by multicast DNS on eth0 (${a.address})`)
  t.ok((await w.errLine(/^follow it with: /)).endsWith(`view ${key} --lan`), 'the hint says --lan, not a loopback --peer')
  t.ok(url.startsWith(`ws://${a.address}:`), 'accepts peers on the interface it announces')
  w.write('before the viewer\n')

  const started = Date.now()
  const v = spawnCli(t, ['view', key, '--lan'], on(b, await t.tmp()))
  await v.line('alice: before the viewer')
  t.comment(`the viewer had the first entry ${Date.now() - started} ms after it started`)
  t.is(FOUND.exec(await v.errLine(FOUND))![1], url)
  w.write('live\n')
  await v.line('alice: live')

  // a second viewer on the same machine (namespace) as the first
  const v2 = spawnCli(t, ['view', key, '--lan'], on(b, await t.tmp()))
  await v2.line('alice: live')
  w.write('to both\n')
  await Promise.all([v.line('alice: to both'), v2.line('alice: to both')])
  t.is(v.stdout.lines.length, 3, 'each entry once')

  const stopped = await w.stop()
  t.is(stopped.code, 0, 'the writer shuts down cleanly')
  await v.errLine(`--lan: forgot the peer at ${url} (it left)`, { timeout: 5000 })
  t.is((await v.stop()).code, 0)
  t.is((await v2.stop()).code, 0)
  t.absent([...w.stderr.lines, ...v.stderr.lines].find(l => /DHT/.test(l)), '--lan alone joins no DHT')
})

testIf(BRIDGE, '--lan: three namespaces on one bridge make a room of three that converges', { timeout: 120_000 }, async (t) => {
  const hosts = lanHosts(t, 3)
  const [a, b, c] = hosts as [LanHost, LanHost, LanHost]
  const storages = [await t.tmp(), await t.tmp(), await t.tmp()]
  const alice = spawnCli(t, ['room', 'create', '--name', 'r', '--nick', 'alice', '--lan'], on(a, storages[0]!))
  await alice.line(/^[0-9a-f]{64}$/)
  const first = await alice.line(/^hyperfeed-room:/)
  await alice.line('* alice created the room')

  const bob = (await joinRoom(t, first, ['--lan'], { nick: 'bob', storage: storages[1], opts: on(b, storages[1]!) })).cli!
  alice.write('/invite\n')
  const second = (await alice.errLine(/^invite: hyperfeed-room:/)).slice('invite: '.length)
  const carol = (await joinRoom(t, second, ['--lan'], { nick: 'carol', storage: storages[2], opts: on(c, storages[2]!) })).cli!
  const members: [string, Cli][] = [['alice', alice], ['bob', bob], ['carol', carol]]

  for (const [nick, cli] of members) cli.write(`hello from ${nick}\n`)
  for (const [, cli] of members) {
    for (const [nick] of members) await cli.line(`${nick}: hello from ${nick}`, { timeout: 30_000 })
  }
  for (const [nick, cli] of members) t.is((await cli.stop()).code, 0, `${nick} exits cleanly`)

  // the settled room order, from each member in turn while the other two serve it: the same bytes
  const outputs: string[] = []
  for (const [i, [nick]] of members.entries()) {
    const others = members.map(([n], j) => ({ n, j })).filter(o => o.j !== i)
    const serving = others.map(o => spawnCli(t, ['room', 'chat', '--name', 'r', '--nick', o.n, '--lan'], on(hosts[o.j]!, storages[o.j]!)))
    await Promise.all(serving.map(s => s.line(/hello from/)))
    const r = await runCli(['room', 'chat', '--name', 'r', '--once', '--json', '--timeout', '20', '--lan'], { ...on(hosts[i]!, storages[i]!), timeout: 40_000 })
    t.is(r.code, 0, `${nick}: --once exits 0${r.code === 0 ? "" : ": " + r.err}`)
    outputs.push(r.out)
    for (const s of serving) t.is((await s.stop()).code, 0)
  }
  const texts = outputs[0]!.trim().split('\n').map(l => JSON.parse(l)).filter(e => e.value?.type === 'chat').map(e => e.value.text)
  t.is(texts.length, 3, 'all three posts')
  t.is(outputs[1], outputs[0], 'alice and bob: the same bytes')
  t.is(outputs[2], outputs[0], 'bob and carol: the same bytes')
})

testIf(BRIDGE, '--lan: a writer killed without a goodbye is forgotten, and its restarted successor is found', { timeout: 90_000 }, async (t) => {
  const hosts = lanHosts(t, 2)
  const [a, b] = hosts as [LanHost, LanHost]
  const storage = await t.tmp()
  const first = await writer(t, a, storage)
  first.w.write('one\n')
  const v = spawnCli(t, ['view', first.key, '--lan'], on(b, await t.tmp()))
  await v.line('alice: one')
  await v.errLine(`--lan: found a peer at ${first.url}`)

  first.w.proc.kill('SIGKILL')
  await first.w.exited
  const second = await writer(t, a, storage)
  t.is(second.key, first.key)
  t.not(second.url, first.url, 'the new process listens elsewhere')
  second.w.write('two\n')
  await v.line('alice: two', { timeout: 15_000 })
  await v.errLine(`--lan: found a peer at ${second.url}`)

  // nothing says goodbye for the killed one: it is forgotten when its records expire
  const killed = Date.now()
  await v.errLine(`--lan: forgot the peer at ${first.url} (it stopped announcing)`, { timeout: 30_000 })
  t.comment(`the killed writer was forgotten ${Date.now() - killed} ms after it died`)
  t.is(v.stdout.lines.length, 2, 'each entry once')
  second.w.write('three\n')
  await v.line('alice: three')
})

// Sends mDNS garbage and thousands of fake peers for a topic, from its own
// namespace: truncated and random packets, fake peers at its own address (on
// ports where it counts connections), fake peers "at" another host's address,
// and a stream of queries. Prints "accepted" per TCP connection it gets, then
// how many responses each address sent while it ran.
const HOSTILE = `
const dgram = require('node:dgram')
const net = require('node:net')
const crypto = require('node:crypto')
const mdns = require('multicast-dns')
const [address, topic, other, seconds] = process.argv.slice(1)
const SERVICE = '_hyperfeed._tcp.local'
const ports = []
for (let i = 0; i < 16; i++) {
  const server = net.createServer(c => { console.log('accepted'); c.destroy() }).listen(0, address)
  server.on('listening', () => { ports.push(server.address().port); if (ports.length === 16) flood() })
}
const m = mdns({ interface: address, bind: '224.0.0.251', loopback: false })
const responses = {}
m.on('response', (p, r) => { responses[r.address] = (responses[r.address] || 0) + 1 })
m.on('warning', () => {})
const raw = dgram.createSocket({ type: 'udp4', reuseAddr: true })
// high ids: the others have the lower id, so they are the ones to dial
const id = () => 'f' + crypto.randomBytes(16).toString('hex').slice(1)
const fake = (host, port, ttl = 120) => {
  const i = id()
  return [
    { name: '_' + topic + '._sub.' + SERVICE, type: 'PTR', ttl, data: i + '.' + SERVICE },
    { name: i + '.' + SERVICE, type: 'SRV', ttl, data: { port, target: i + '.local' } },
    { name: i + '.local', type: 'A', ttl, data: host }
  ]
}
let sent = 0
// once every port listens: each fake peer "at" this address is one it counts connections on
const flood = () => raw.bind(0, address, () => { raw.setMulticastInterface(address); setInterval(tick, 20) })
const tick = () => {
  const mine = []
  for (let i = 0; i < 20; i++) mine.push(...fake(address, ports[i % ports.length]))
  m.respond({ answers: mine })
  const elsewhere = []
  for (let i = 0; i < 20; i++) elsewhere.push(...fake(other, 1024 + Math.floor(Math.random() * 60000)))
  m.respond({ answers: elsewhere })
  m.respond({ answers: [
    { name: '_' + topic.toUpperCase() + '._sub.' + SERVICE, type: 'PTR', ttl: 4294967295, data: 'x'.repeat(60) + '.' + SERVICE },
    { name: 'f'.repeat(32) + '.' + SERVICE, type: 'TXT', data: ['y'.repeat(250), 'z'.repeat(250)] },
    { name: 'f'.repeat(32) + '.local', type: 'A', data: '0.0.0.0' }
  ] })
  m.query({ questions: [{ name: '_' + topic + '._sub.' + SERVICE, type: 'PTR' }] })
  raw.send(crypto.randomBytes(1 + Math.floor(Math.random() * 1200)), 5353, '224.0.0.251')
  sent += 5
}
setTimeout(() => {
  console.log('responses ' + JSON.stringify(responses) + ' sent ' + sent)
  m.destroy()
  raw.close()
  process.exit(0)
}, Number(seconds) * 1000)
`

testIf(BRIDGE, '--lan: a hostile announcer flooding garbage and fake peers crashes nobody and gets a bounded number of dials', { timeout: 90_000 }, async (t) => {
  const hosts = lanHosts(t, 3)
  const [a, b, h] = hosts as [LanHost, LanHost, LanHost]
  const { w, key, url } = await writer(t, a, await t.tmp())
  w.write('before\n')
  const v = spawnCli(t, ['view', key, '--lan'], on(b, await t.tmp()))
  await v.line('alice: before')

  const SECONDS = 8
  const topic = lanTopic(Buffer.from(key, 'hex'), discoveryKeyOf(Buffer.from(key, 'hex')))
  const hostile = spawn(h.wrap[0]!, [...h.wrap.slice(1), process.execPath, '-e', HOSTILE, h.address, topic, a.address, String(SECONDS)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { hostile.kill('SIGKILL') })
  let out = ''
  hostile.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  const exited = new Promise(resolve => hostile.once('close', resolve))
  await sleep(SECONDS * 500)
  w.write('during\n')
  await v.line('alice: during')
  t.is(await exited, 0, 'the hostile ran to its end')
  const lines = out.trim().split('\n')
  const summary = lines.find(l => l.startsWith('responses ')) ?? ''
  t.comment(summary)
  w.write('after\n')
  await v.line('alice: after')
  t.ok(w.running && v.running, 'writer and viewer still run')

  // the flood arrived (the viewer believed, and dialed, fake peers up to its
  // limits) and its effect stayed within them
  const accepted = lines.filter(l => l === 'accepted').length
  // per dialer: 8 peers per address (MAX_PER_HOST), 3 attempts each (MAX_ATTEMPTS), then 30 s of rest
  t.ok(accepted >= 8 && accepted <= 2 * 8 * 3, `the hostile's ports got ${accepted} connections from the writer and the viewer (each of the viewer's 8 fake peers dialed, at most 3 times by each)`)
  const found = v.stderr.lines.map(l => FOUND.exec(l)?.[1]).filter(u => u !== undefined)
  const atHostile = found.filter(u => u.startsWith(`ws://${h.address}:`)).length
  t.is(atHostile, 8, `the viewer believed exactly 8 peers at the hostile's address, its limit per host (${found.length} found in all)`)
  t.alike(found.filter(u => !u.startsWith(`ws://${h.address}:`)), [url], 'no peer "at" another host\'s address was believed')
  const responses = JSON.parse(/^responses (\{.*\}) sent/.exec(summary)![1]!) as Record<string, number>
  const answers = responses[b.address] ?? 0
  // answers at most once a second, announcements every 5 s
  t.ok(answers >= 1 && answers <= SECONDS + Math.ceil(SECONDS / 5) + 2, `the viewer answered ${answers} times in ${SECONDS} s of queries (at least its own announcement)`)
  t.is(v.stdout.lines.length, 3)
})

testIf(privateNetworkMissing(), '--lan with no network interface but loopback, or a bad --lan-interface: one line, non-zero exit', {}, async (t) => {
  const wrap = await privateNetwork(t)
  const key = 'c'.repeat(64)
  const none = await runCli(['view', key, '--lan'], { wrap, storage: await t.tmp(), env: LAN })
  t.is(none.code, 1)
  t.alike(none.stderr, ['hyperfeed: --lan found no network interface to use (only loopback is up); pick one with --lan-interface NAME'])
  t.alike(none.stdout, [])
  const lo = await runCli(['write', '--lan-interface', 'lo'], { wrap, storage: await t.tmp(), env: LAN })
  t.is(lo.code, 2)
  t.alike(lo.stderr, ['hyperfeed: --lan-interface lo is the loopback interface: pick one on the network (up with IPv4: none)'])
  t.alike(lo.stdout, [], 'nothing opened, not even the feed')
  const missing = await runCli(['serve', key, '--lan-interface', 'nope0'], { wrap, storage: await t.tmp(), env: LAN })
  t.is(missing.code, 2)
  t.alike(missing.stderr, ['hyperfeed: --lan-interface nope0: no such interface is up with an IPv4 address (up with IPv4: none)'])
})
