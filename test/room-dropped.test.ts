import test from 'brittle'
import { WebSocket } from 'ws'
import { Room, RoomGateway, Store, chat, parseRoomRef, type RoomEntry } from '../src/index.js'
import { firstOf, until } from '../src/wait.js'
import { replicate } from './helpers/index.js'

async function store (t: test.Assert) {
  const s = await Store.open(await t.tmp())
  t.teardown(() => s.close(), { order: 1 })
  return s
}

test('a live follower that showed a post the room later drops is told so', { timeout: 60_000 }, async (t) => {
  const alice = await Room.create(await store(t), { nick: 'alice' })
  t.teardown(() => alice.close())
  const ref = parseRoomRef(await alice.createInvite())
  const bob = new Room(await store(t), { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  t.teardown(() => bob.close())
  await bob.ready()
  const cut = replicate(t, alice, bob)
  await bob.join(ref.invite!, { nick: 'bob', timeout: 15_000 })
  await until(async () => (await alice.member(bob.writerKey)) !== null, [{ emitter: alice, event: 'update' }], { timeout: 15_000 })
  await cut()

  // apart: bob posts (his view shows it), alice removes bob
  const follower = bob.follow({ start: 0 })
  t.teardown(() => follower.destroy())
  const shown: RoomEntry[] = []
  const showing = (async () => { for await (const batch of follower) shown.push(...batch) })()
  const { seq } = await bob.append([chat('bob', 'posted apart')])
  await until(() => shown.some(e => 'value' in e && e.value.text === 'posted apart'), [{ emitter: bob, event: 'update' }], { timeout: 10_000 })
  await alice.remove(bob.writerKey.toString('hex'))
  // bob's gateway: its /live clients are told too
  const gateway = new RoomGateway({ room: bob, port: 0 })
  t.teardown(() => gateway.close(), { order: -1 })
  await gateway.ready()
  const ws = new WebSocket(gateway.url.replace('http:', 'ws:') + 'live?start=0')
  t.teardown(() => ws.terminate(), { order: -2 })
  const pageTold = new Promise<unknown>(resolve => ws.on('message', (data) => {
    const msg = JSON.parse(String(data))
    if (msg.type === 'dropped') resolve(msg)
  }))
  await new Promise(resolve => ws.once('open', resolve))

  // together again: the removal comes first, bob's post is not in the room
  const dropped = firstOf<{ author: string, authorSeq: number }[] | null>([{ emitter: follower, event: 'dropped', value: (d) => d }], { timeout: 20_000 }, null)
  replicate(t, alice, bob)
  t.alike(await dropped, [{ author: bob.writerKey.toString('hex'), authorSeq: seq }], 'the follower names the dropped post')
  t.alike(await pageTold, { type: 'dropped', author: bob.writerKey.toString('hex'), authorSeq: seq }, '/live says so')
  const now = await bob.read(0, bob.length)
  t.absent(now.some(e => 'value' in e && e.value.text === 'posted apart'), 'not in the room\'s order')
  await follower.destroy()
  await showing
})
