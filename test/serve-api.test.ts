import http from 'node:http'
import test from 'brittle'
import { WebSocket } from 'ws'
import { Feed } from '../src/index.js'
import { runCli, spawnCli, testnet, type Cli } from './helpers/index.js'

async function startServe (t: Parameters<typeof spawnCli>[0], args: string[], storage: string): Promise<{ cli: Cli, url: string }> {
  const cli = spawnCli(t, ['serve', '--port', '0', ...args], { storage })
  const url = await cli.line(/^http:\/\//)
  return { cli, url }
}

async function post (url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, body: await res.json() as any }
}

async function get (url: string) {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() as any }
}

// Messages from /live, collected as they come.
function live (t: Parameters<typeof spawnCli>[0], url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers })
  const messages: any[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()))
    for (const w of waiters.splice(0)) w()
  })
  t.teardown(() => ws.terminate())
  const until = async (pred: (m: any[]) => boolean, timeout = 10_000) => {
    const deadline = Date.now() + timeout
    while (!pred(messages)) {
      if (Date.now() > deadline) throw new Error('live: timed out; got ' + JSON.stringify(messages).slice(0, 500))
      await new Promise<void>(resolve => { waiters.push(resolve); setTimeout(resolve, 100) })
    }
    return messages
  }
  return { ws, messages, until }
}

test('read-only serve of a followed feed: info, entries, ranges, blocks, peers; writes are refused', async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--json', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  const lines = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ type: 'n', i }))
  w.write(lines.join('\n') + '\n/block "chained"\n')
  const { url } = await startServe(t, [key, '--bootstrap', flag], await t.tmp())

  // the feed arrives over the swarm
  const deadline = Date.now() + 15_000
  let info = (await get(url + 'api/info')).body
  while (!(info.synced && info.length === 1501) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 200))
    info = (await get(url + 'api/info')).body
  }
  t.is(info.key, key)
  t.is(info.z32.length, 52)
  t.is(info.length, 1501)
  t.is(info.writable, false)
  t.is(info.synced, true)
  t.ok(info.peers >= 1)
  t.ok(info.bytes > 0)

  const first = (await get(url + 'api/entries')).body
  t.is(first.length, 1000, 'at most 1000 per call')
  t.alike(first[0], { seq: 0, value: { type: 'n', i: 0 } })
  const range = (await get(url + 'api/entries?start=10&end=13')).body
  t.alike(range.map((e: any) => e.seq), [10, 11, 12])
  const clamped = (await get(url + 'api/entries?start=100&end=5000')).body
  t.is(clamped.length, 1000)
  t.is(clamped[999].seq, 1099)
  const tail = (await get(url + 'api/entries?start=1499')).body
  t.is(tail.length, 2)
  t.is(tail[1].valid, true, 'blocks carry their validity')
  t.alike((await get(url + 'api/entries?start=5000')).body, [])
  for (const bad of ['start=-1', 'start=abc', 'start=5&end=2', 'end=1.5']) {
    const r = await get(url + 'api/entries?' + bad)
    t.is(r.status, 400, bad)
    t.ok(typeof r.body.error === 'string')
  }

  const blocks = (await get(url + 'api/blocks')).body
  t.is(blocks.length, 1)
  t.is(blocks[0].seq, 1500)
  t.is(blocks[0].valid, true)
  t.is(blocks[0].value.data, 'chained')

  const peers = (await get(url + 'api/peers')).body
  t.ok(peers.some((p: any) => p.type === 'swarm' && p.hasFeed && p.length === 1501), JSON.stringify(peers))

  const refused = await post(url + 'api/entries', { text: 'hi' })
  t.is(refused.status, 403)
  t.ok(/read-only/.test(refused.body.error))
  t.is((await post(url + 'api/mine', { data: 1 })).status, 403)
  t.is((await get(url + 'nope')).status, 404)
  t.is((await fetch(url + 'api/info', { method: 'DELETE' })).status, 405)
})

test('writable serve: POST entries and mine, bad bodies, sizes, origins; /live backlog then live', async (t) => {
  const storage = await t.tmp()
  const { flag } = await testnet(t)
  const { url } = await startServe(t, ['--name', 'web', '--difficulty', '6', '--bootstrap', flag], storage)

  t.alike((await post(url + 'api/entries', { text: 'first', nick: 'ann' })).body, { seq: 0 })
  t.alike((await post(url + 'api/entries', { type: 'note', n: 1 })).body, { seq: 1 })
  const anon = await post(url + 'api/entries', { text: 'no nick' })
  t.is(anon.status, 201)
  const mined = await post(url + 'api/mine', { data: { amount: 5 } })
  t.is(mined.status, 201)
  t.is(mined.body.seq, 3)
  t.is(mined.body.valid, true)
  t.is(mined.body.value.height, 0)
  t.ok(mined.body.value.hash.startsWith('0'), 'difficulty 6 from --difficulty')
  const mined2 = await post(url + 'api/mine', { data: 'two', difficulty: 2 })
  t.is(mined2.body.value.prev, mined.body.value.hash)

  const cases: [unknown, number, RegExp][] = [
    ['{not json', 400, /not valid JSON/],
    [[1, 2], 400, /JSON object/],
    [{ type: 5 }, 400, /string "type"/],
    [{ text: 5 }, 400, /chat body/],
    [{ text: 'x', extra: 1 }, 400, /chat body/],
    [{ text: '' }, 400, /empty/],
    [{ type: 'chat', nick: 'x' }, 400, /"chat" entry has exactly/],
    [{ type: 'block', height: 9 }, 400, /does not extend this feed's chain/],
    [{ type: 'big', s: 'a'.repeat(1024 * 1024) }, 413, /over the 1048576-byte limit/],
    [{ type: 'huge', s: 'a'.repeat(3 * 1024 * 1024) }, 413, /body is over/]
  ]
  for (const [body, status, error] of cases) {
    const r = await post(url + 'api/entries', body)
    t.is(r.status, status, `${JSON.stringify(body).slice(0, 40)} -> ${status}`)
    t.ok(error.test(r.body.error), r.body.error)
  }
  t.is((await post(url + 'api/mine', { nodata: 1 })).status, 400)
  t.is((await post(url + 'api/mine', { data: 1, difficulty: 40 })).status, 400)
  const plain = await fetch(url + 'api/entries', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"text":"x"}' })
  t.is(plain.status, 415, 'a form-like content type is refused')
  const cross = await post(url + 'api/entries', { text: 'csrf' }, { origin: 'http://evil.example' })
  t.is(cross.status, 403)
  const same = await post(url + 'api/entries', { text: 'same origin' }, { origin: url.slice(0, -1) })
  t.is(same.status, 201)
  // fetch will not send another Host header; node:http will
  const rebound = await new Promise<number>((resolve, reject) => {
    http.get(url + 'api/info', { headers: { host: 'evil.example' } }, res => { res.resume(); resolve(res.statusCode!) }).on('error', reject)
  })
  t.is(rebound, 403, 'a DNS-rebinding host name is refused')

  // backlog from start, then live entries, then info on change
  const l = live(t, url + 'live?start=1')
  await l.until(m => m.filter(x => x.seq !== undefined).length === 5)
  t.is(l.messages[0].type, 'info', 'info first')
  t.alike(l.messages.filter(x => x.seq !== undefined).map((x: any) => x.seq), [1, 2, 3, 4, 5])
  t.is(l.messages.find((x: any) => x.seq === 3).valid, true)
  await post(url + 'api/entries', { text: 'while connected' })
  await l.until(m => m.some(x => x.seq === 6))
  t.is(l.messages.find((x: any) => x.seq === 6).value.text, 'while connected')
  await l.until(m => m.some(x => x.type === 'info' && x.length === 7 && x.seq === undefined))
  t.pass('an info message follows the length change')

  const bad = new WebSocket(url.replace(/^http/, 'ws') + 'live', { headers: { origin: 'http://evil.example' } })
  const rejected = await new Promise(resolve => {
    bad.on('unexpected-response', (_req, res) => resolve(res.statusCode))
    bad.on('open', () => resolve('open'))
    bad.on('error', () => {})
  })
  t.is(rejected, 403, 'cross-origin WebSocket refused')
  bad.terminate()

  // a separate view process gets what was posted
  const { stdout } = await runCli(['view', (await get(url + 'api/info')).body.key, '--once', '--bootstrap', flag], { storage: await t.tmp() })
  t.ok(stdout.some(l => l.endsWith('ann: first')))
  t.ok(stdout.some(l => l.endsWith('web: no nick')), 'chat posted without a nick is from "web"')
})

test('a token guards writes when asked for, and always beyond loopback', async (t) => {
  const { url } = await startServe(t, ['--name', 'tok', '--token', 'sekrit-123', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], await t.tmp())
  t.is((await post(url + 'api/entries', { text: 'x' })).status, 401)
  t.is((await post(url + 'api/entries', { text: 'x' }, { authorization: 'Bearer wrong-token' })).status, 401)
  t.is((await post(url + 'api/entries', { text: 'x' }, { authorization: 'Bearer sekrit-123' })).status, 201)
  t.is((await get(url + 'api/info')).status, 200, 'reads stay open')

  const open = spawnCli(t, ['serve', '--name', 'wide', '--port', '0', '--listen', '0.0.0.0', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage: await t.tmp() })
  const wideUrl = await open.line(/^http:\/\//)
  const hint = await open.errLine(/POSTs need "Authorization: Bearer /)
  const token = /Bearer ([^"]+)"/.exec(hint)![1]!
  t.ok(hint.includes(`#token=${token}`), 'the page URL carries the token in its fragment')
  t.is((await post(wideUrl + 'api/entries', { text: 'x' })).status, 401)
  t.is((await post(wideUrl + 'api/entries', { text: 'x' }, { authorization: 'Bearer ' + token })).status, 201)
})

test('POST /api/peers connects a WebSocket replication peer', async (t) => {
  const wStorage = await t.tmp()
  const w = spawnCli(t, ['write', '--nick', 'p', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage: wStorage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  const wsUrl = /(ws:\/\/127\.0\.0\.1:\d+)/.exec(await w.errLine('accepting WebSocket peers'))![1]!
  w.write('over a direct peer\n')
  const { url } = await startServe(t, [key, '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], await t.tmp())
  t.is((await post(url + 'api/peers', { url: 'http://nope:1' })).status, 400)
  t.is((await post(url + 'api/peers', { nourl: 1 })).status, 400)
  const added = await post(url + 'api/peers', { url: wsUrl })
  t.is(added.status, 201)
  const l = live(t, url + 'live')
  await l.until(m => m.some(x => x.seq === 0))
  t.is(l.messages.find((x: any) => x.seq === 0).value.text, 'over a direct peer')
  const peers = (await get(url + 'api/peers')).body
  t.ok(peers.some((p: any) => p.type === 'ws' && p.remote === wsUrl + '/' && p.hasFeed && p.length === 1), JSON.stringify(peers))
})

test('serve: port in use and bad arguments are one clear line', async (t) => {
  const storage = await t.tmp()
  const { url } = await startServe(t, ['--name', 'a', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], storage)
  const port = new URL(url).port
  const r = await runCli(['serve', '--name', 'b', '--port', port, '--no-swarm', '--ws-port', '0'], { storage })
  t.is(r.code, 1)
  t.alike(r.stderr, [`hyperfeed: port ${port} on 127.0.0.1 (--port) is already in use`])
  const both = await runCli(['serve', 'a'.repeat(64), '--name', 'x'], { storage })
  t.is(both.code, 2)
  const listen = await runCli(['serve', '--name', 'x', '--listen', 'example.com'], { storage })
  t.is(listen.code, 2)
  t.alike(listen.stderr, ['hyperfeed: --listen must be an IP address, not "example.com"'])
})

test('GET /metrics: Prometheus text with peers, length, transfer, entries served and live clients', async (t) => {
  const { flag } = await testnet(t)
  const storage = await t.tmp()
  const w = spawnCli(t, ['serve', '--name', 'default', '--port', '0', '--bootstrap', flag], { storage })
  const url = await w.line(/^http:\/\//)
  for (let i = 0; i < 3; i++) await post(url + 'api/entries', { text: `m${i}` })
  const key = (await get(url + 'api/info')).body.key
  // a viewer downloads the three entries from the server, and stays connected
  const v = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() })
  await v.line(/: m2$/)
  await get(url + 'api/entries')
  const client = live(t, url + 'live')
  await client.until(m => m.filter(x => x.seq !== undefined).length === 3)

  const res = await fetch(url + 'metrics')
  t.is(res.status, 200)
  t.ok(/^text\/plain/.test(res.headers.get('content-type') ?? ''), 'Prometheus text format')
  const text = await res.text()
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
  t.ok(/^# TYPE hyperfeed_uploaded_blocks_total counter$/m.test(text), 'totals are counters')
  t.is(value('hyperfeed_length'), 3)
  t.is(value('hyperfeed_live_clients'), 1)
  t.ok(value('hyperfeed_uploaded_blocks_total') >= 3, `uploaded blocks: ${value('hyperfeed_uploaded_blocks_total')}`)
  t.ok(value('hyperfeed_uploaded_bytes_total') > 100, 'uploaded bytes')
  t.is(value('hyperfeed_downloaded_blocks_total'), 0, 'the writer downloads nothing')
  t.is(value('hyperfeed_entries_served_total'), 6, 'three entries by the API, three over /live')
  t.is(value('hyperfeed_peers'), 1, 'one peer: the viewer')
  client.ws.terminate()

  // the gauges follow: the viewer and the /live client gone, both are back to 0
  t.is((await v.stop()).code, 0)
  const deadline = Date.now() + 15_000
  let after = ''
  while (Date.now() < deadline) {
    after = await (await fetch(url + 'metrics')).text()
    if (/^hyperfeed_peers 0$/m.test(after) && /^hyperfeed_live_clients 0$/m.test(after)) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.ok(/^hyperfeed_peers 0$/m.test(after), 'no peer once the viewer left')
  t.ok(/^hyperfeed_live_clients 0$/m.test(after), 'no /live client once it closed')
})

test('/live clients that vanish mid-backlog cost the server nothing: it keeps serving', { timeout: 90_000 }, async (t) => {
  const storage = await t.tmp()
  const feed = await Feed.openWriterIn({ storage }, 'default')
  await feed.append(Array.from({ length: 4000 }, (_, i) => ({ type: 'bulk', i, pad: 'x'.repeat(1000) })))
  await feed.close()
  const { cli, url } = await startServe(t, ['--name', 'default', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], storage)
  for (let round = 0; round < 10; round++) {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + 'live?start=0')
    let got = 0
    await new Promise<void>((resolve) => {
      ws.on('message', () => {
        // cut the TCP connection under the backlog, without a close frame
        if (++got === 2) { (ws as unknown as { _socket: { destroy (): void } })._socket.destroy(); resolve() }
      })
      ws.on('error', () => resolve())
    })
  }
  await new Promise(resolve => setTimeout(resolve, 1000))
  t.ok(cli.running, 'the server is still running')
  const info = await get(url + 'api/info')
  t.is(info.status, 200)
  t.is(info.body.length, 4000)
})
