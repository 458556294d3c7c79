import test from 'brittle'
import { MirrorClient, Network, Room, Store, chat, parseRoomRef, toHex } from '../src/index.js'
import { MirrorDht } from '../src/mirror/dht.js'
import { viewKeys } from '../src/internals.js'
import { Mirror } from '../src/mirror/mirror.js'
import { netOptions, sleep, testnet } from './helpers/index.js'
import { until } from './helpers/mirror.js'

type Nodes = { host: string, port: number }[]

async function member (t: Parameters<typeof testnet>[0], bootstrap: Nodes, join: { invite: string, nick: string } | null) {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  let room: Room
  if (join === null) {
    room = await Room.create(store, { nick: 'alice' })
  } else {
    const ref = parseRoomRef(join.invite)
    room = new Room(store, { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
    await room.ready()
  }
  t.teardown(() => room.close())
  const network = new Network(store, netOptions(bootstrap))
  t.teardown(() => network.close(), { order: -1 })
  await network.join(room)
  if (join !== null) await room.join(parseRoomRef(join.invite).invite!, { nick: join.nick, timeout: 20_000 })
  return room
}

// every writer core and view core the room knows of
async function roomCores (room: Room): Promise<Buffer[]> {
  const writers = (await room.members()).map(m => Buffer.from(m.key, 'hex'))
  const views = viewKeys(room.base)
  return [...writers, ...views]
}

test('keepRoom: one member registers the room\'s views and every writer with the mirror, a writer who joins later too; the mirror holds each core whole', { timeout: 120_000 }, async (t) => {
  const { bootstrap } = await testnet(t)
  const mirror = new Mirror(await t.tmp(), { network: netOptions(bootstrap) })
  t.teardown(() => mirror.close(), { order: -0.5 })
  await mirror.ready()

  const alice = await member(t, bootstrap, null)
  const bob = await member(t, bootstrap, { invite: await alice.createInvite(), nick: 'bob' })
  for (let i = 0; i < 20; i++) await alice.append([chat('alice', `a${i}`)])
  for (let i = 0; i < 20; i++) await bob.append([chat('bob', `b${i}`)])
  await until(() => alice.length >= 42, 20_000, 'alice to see bob\'s posts')

  const node = new MirrorDht(netOptions(bootstrap))
  await node.ready()
  const client = new MirrorClient({ dht: node.dht, store: alice.store.corestore, mirrors: [mirror.key], wakeup: alice.base.wakeupProtocol })
  t.teardown(async () => { await client.close(); await node.close() }, { order: -0.8 })
  client.keepRoom(alice.base, await roomCores(alice))
  const registered = Date.now()

  const whole = async (room: Room) => {
    const keys = await roomCores(room)
    const held = await mirror.held(keys)
    const lengths = keys.map(k => room.store.corestore.get({ key: k }))
    try {
      await Promise.all(lengths.map(c => c.ready()))
      return held.every((h, i) => h !== null && h.contiguousLength === lengths[i]!.length)
    } finally {
      await Promise.all(lengths.map(c => c.close()))
    }
  }
  await until(() => whole(alice), 30_000, 'the mirror to hold alice\'s, bob\'s and the views\' cores whole')
  t.pass('every writer and view core of two members')

  // a member who joins later: registered through keepRoomCores. blind-peering
  // itself registers new writers only in one batch, up to 10 s after addAutobase
  // (batchMaxWait): she joins after that.
  await sleep(Math.max(0, registered + 11_000 - Date.now()))
  const before = alice.length
  const carol = await member(t, bootstrap, { invite: await alice.createInvite(), nick: 'carol' })
  for (let i = 0; i < 20; i++) await carol.append([chat('carol', `c${i}`)])
  const carolKey = carol.writerKey
  await until(async () => (await alice.members()).some(m => m.key === toHex(carolKey)), 20_000, 'alice to know carol')
  await until(() => alice.length >= before + 21, 20_000, 'alice to see carol\'s join and posts')
  client.keepRoomCores(alice.base, await roomCores(alice))
  await until(async () => (await mirror.held([carolKey]))[0]?.contiguousLength === carol.base.local.length, 30_000, 'the mirror to hold carol\'s writer core')
  await until(() => whole(alice), 30_000, 'the mirror to hold every core, carol\'s too')
  t.pass('the late writer\'s core too')
})
