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

test('gossip is bounded: garbage and a thousand addresses from a peer change nothing and dial at most 32', { timeout: 60_000 }, async (t) => {
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
  // one message naming 50 nodes that (by their ids) this node should dial: it dials at most 8
  let dials = 0
  network.gossip!.on('dial', () => { dials++ })
  const high = (n: number) => ({ url: `ws://127.0.0.1:${40_000 + n}`, id: 'f'.repeat(56) + n.toString(16).padStart(8, '0') })
  message.send({ id: 'e'.repeat(64), port: 0, host: '', known: Array.from({ length: 50 }, (_, k) => high(k)) })
  await sleep(500)
  t.ok(dials <= 8, `one message makes at most 8 dials (${dials})`)
  const fake = (n: number) => ({ url: `ws://127.0.0.1:${20_000 + n}`, id: n.toString(16).padStart(64, '0') })
  message.send('garbage')
  message.send({ id: 'not hex', port: -1, known: 'nope' })
  message.send({ id: 'f'.repeat(64), port: 1, host: 'example.com', known: [{ url: 'http://127.0.0.1:1', id: 'a'.repeat(64) }, { url: 'ws://example.com:1', id: 'b'.repeat(64) }] })
  for (let i = 0; i < 20; i++) message.send({ id: 'f'.repeat(64), port: 0, host: '', known: Array.from({ length: 50 }, (_, k) => fake(i * 50 + k)) })
  await sleep(2000)
  t.ok(network.wsPeerCount <= 32, `dials at most 32 learned addresses (${network.wsPeerCount})`)
  t.ok(network.gossip!.known.length <= 32)
  await feed.append({ type: 'still', ok: true })
  t.is(feed.length, 1, 'the node carries on')
})
