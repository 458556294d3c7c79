import test from 'brittle'
import { WebSocket, WebSocketServer } from 'ws'
import { chat } from '../src/entries.js'
import { Store } from '../src/storage.js'
import { Room } from '../src/room/room.js'
import { Gateway } from '../src/serve/gateway.js'
import { RoomGateway } from '../src/serve/room-gateway.js'
import { LiveHub } from '../src/serve/live.js'
import { writer } from './helpers/index.js'

async function room (t: test.Assert) {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const r = await Room.create(store, { nick: 'alice' })
  t.teardown(() => r.close())
  return r
}

test('a feed gateway does nothing until opened, and closes once', async (t) => {
  const feed = await writer(t)
  await feed.append(chat('alice', 'hi'))
  const listeners = feed.listenerCount('append')
  const gateway = new Gateway({ feed, port: 0 })
  t.is(feed.listenerCount('append'), listeners, 'no listener before open')
  t.is(gateway.status().blocks, 0)
  await gateway.ready()
  t.ok(feed.listenerCount('append') > listeners, 'listening once open')
  const url = gateway.url
  const res = await fetch(url + 'api/entries')
  t.is(res.status, 200)
  t.is((await res.json() as unknown[]).length, 1)
  const first = gateway.close()
  t.is(gateway.close(), first)
  await first
  t.is(feed.listenerCount('append'), listeners, 'every listener removed')
  await t.exception.all(fetch(url + 'api/info'), /fetch failed/, 'not listening')
})

test('a feed gateway closed without opening closes', async (t) => {
  const feed = await writer(t)
  const gateway = new Gateway({ feed, port: 0 })
  await gateway.close()
  await gateway.close()
  t.ok(gateway.closed)
})

test('a room gateway listens to its room only while open, and closes once', async (t) => {
  const r = await room(t)
  const before = r.listenerCount('update')
  const gateway = new RoomGateway({ room: r, port: 0 })
  t.is(r.listenerCount('update'), before, 'no listener before open')
  await gateway.ready()
  t.ok(r.listenerCount('update') > before)
  await r.append([chat('alice', 'hi')])
  const res = await fetch(gateway.url + 'api/entries')
  t.ok((await res.json() as { value: { text?: string } }[]).some(e => e.value.text === 'hi'))
  const first = gateway.close()
  t.is(gateway.close(), first)
  await first
  t.is(r.listenerCount('update'), before, 'its update listeners are gone with it')
})

test('a live hub listens only while open; a client that comes after close is cut', async (t) => {
  const feed = await writer(t)
  const listeners = feed.listenerCount('append')
  const hub = new LiveHub({
    messages: () => ({ async * [Symbol.asyncIterator] () {}, destroy: async () => {} }),
    status: () => ({ message: '{}', shown: '{}' }),
    changes: [[feed, 'append']]
  })
  t.is(feed.listenerCount('append'), listeners)
  await hub.ready()
  t.is(feed.listenerCount('append'), listeners + 1)
  const first = hub.close()
  t.is(hub.close(), first)
  await first
  t.is(feed.listenerCount('append'), listeners)

  // a socket handed to a closed hub is cut at once
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  await new Promise(resolve => server.once('listening', resolve))
  server.on('connection', (socket) => hub.add(socket, 0))
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`)
  client.on('error', () => {})
  const code = await new Promise(resolve => client.once('close', resolve))
  t.is(code, 1006, 'terminated, nothing sent')
})
