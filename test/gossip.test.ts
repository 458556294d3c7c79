import test from 'brittle'
import c from 'compact-encoding'
import Hypercore from 'hypercore'
import pump from 'pump'
import { WebSocket, createWebSocketStream } from 'ws'
import { Feed, Network } from '../src/index.js'
import { sleep } from './helpers/index.js'
import { type Member, createRoom, joinRoom, stop } from './helpers/rooms.js'

test('four nodes given only the first one\'s address connect to each other, and keep replicating once it is gone', { timeout: 120_000 }, async (t) => {
  const listen = ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
  const { invite, member: first } = await createRoom(t, listen)
  const port = /:(\d+)$/.exec(await first.cli!.errLine('accepting WebSocket peers'))![1]!
  const onlyFirst = [...listen, '--peer', `ws://127.0.0.1:${port}`]
  const invites = [invite]
  for (let i = 0; i < 2; i++) {
    first.cli!.write('/invite\n')
    invites.push((await first.cli!.errLine(/^invite: /, { from: first.cli!.stderr.lines.length })).slice(8))
  }
  const others: Member[] = []
  for (const [i, nick] of ['bob', 'carol', 'dave'].entries()) others.push(await joinRoom(t, invites[i]!, onlyFirst, { nick }))
  await sleep(3000) // addresses go round

  await stop(first)
  const [bob, carol, dave] = others as [Member, Member, Member]
  bob.cli!.write('after the first node left\n')
  await carol.cli!.line(/bob: after the first node left$/, { timeout: 20_000 })
  await dave.cli!.line(/bob: after the first node left$/, { timeout: 20_000 })
  dave.cli!.write('and from dave\n')
  await bob.cli!.line(/dave: and from dave$/, { timeout: 20_000 })
  await carol.cli!.line(/dave: and from dave$/, { timeout: 20_000 })
  await Promise.all(others.map(stop))
})

test('gossip is bounded: one message makes at most 8 dials, garbage changes nothing, and a thousand addresses make at most 32', { timeout: 60_000 }, async (t) => {
  const feed = await Feed.openWriterIn({ storage: await t.tmp() }, 'g')
  t.teardown(() => feed.close())
  const network = new Network(feed.store, { swarm: false, wsPort: 0, wsHost: '127.0.0.1' })
  t.teardown(() => network.close(), { order: -1 })
  await network.join(feed)

  // a hostile peer speaks the replication protocol, then floods the address channel
  const ws = new WebSocket(`ws://127.0.0.1:${network.wsPort}`)
  t.teardown(() => ws.terminate())
  await new Promise(resolve => ws.once('open', resolve))
  const stream = Hypercore.createProtocolStream(true)
  stream.on('error', () => {})
  pump(createWebSocketStream(ws), stream, createWebSocketStream(ws))
  const mux = Hypercore.getProtocolMuxer(stream)
  const channel = mux.createChannel({ protocol: 'hyperfeed/peers' })!
  const message = channel.addMessage<unknown>({ encoding: c.json, onmessage: () => {} })
  channel.open()
  const dialed: string[] = []
  network.gossip!.on('dial', (url: string) => { dialed.push(url) })
  // Resolves once `n` dials were made, then waits `quiet` ms for any more.
  const dials = async (n: number, quiet = 500) => {
    const deadline = Date.now() + 10_000
    while (dialed.length < n && Date.now() < deadline) await sleep(20)
    await sleep(quiet)
    return dialed.length
  }
  // nodes whose ids are above any of ours: this node is the one to dial them
  const high = (n: number) => ({ url: `ws://127.0.0.1:${20_000 + n}`, id: 'f'.repeat(56) + n.toString(16).padStart(8, '0') })
  const hello = (known: { url: string, id: string }[]) => ({ id: 'e'.repeat(64), port: 0, host: '', known })

  // one message naming 50 nodes: 8 of them dialed
  message.send(hello(Array.from({ length: 50 }, (_, k) => high(k))))
  t.is(await dials(8), 8, 'one message makes 8 dials, not 50')

  // garbage: nothing dialed, and the channel still works after it
  message.send('garbage')
  message.send({ id: 'not hex', port: -1, known: 'nope' })
  message.send({ id: 'f'.repeat(64), port: 1, host: 'example.com', known: [{ url: 'http://127.0.0.1:1', id: 'a'.repeat(64) }, { url: 'ws://example.com:1', id: 'b'.repeat(64) }] })
  // then a thousand new addresses in 20 messages: the table holds 32
  for (let i = 1; i <= 20; i++) message.send(hello(Array.from({ length: 50 }, (_, k) => high(i * 50 + k))))
  const total = await dials(32, 1000)
  t.is(total, 32, `the flood arrived and was dialed up to the table's 32 addresses (${total} dials for 1,008 offered)`)
  t.ok(dialed.every(url => /^ws:\/\/127\.0\.0\.1:\d+\/$/.test(url)), 'only well-formed addresses were dialed')
  t.ok(network.wsPeerCount <= 32, `at most 32 learned peers kept (${network.wsPeerCount})`)
  t.is(network.gossip!.known.length, 0, 'none of them answered, so none is passed on')
  await feed.append({ type: 'still', ok: true })
  t.is(feed.length, 1, 'the node carries on')
})
