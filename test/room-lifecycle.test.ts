import test from 'brittle'
import { chat } from '../src/entries.js'
import { Store } from '../src/storage.js'
import { Room } from '../src/room/room.js'
import { RoomMiner } from '../src/room/miner.js'
import { createRoom, openRoomRelay } from '../src/room/open.js'
import { RoomCores } from '../src/room/cores.js'
import { RoomSync } from '../src/room/sync.js'

async function store (t: test.Assert) {
  const s = await Store.open(await t.tmp())
  t.teardown(() => s.close(), { order: 1 })
  return s
}

async function room (t: test.Assert) {
  const r = await Room.create(await store(t), { nick: 'alice', difficulty: 1 })
  t.teardown(() => r.close())
  return r
}

test('a room closes once: a second close is the same promise', async (t) => {
  const r = await room(t)
  const first = r.close()
  t.is(r.close(), first)
  await first
  t.ok(r.closed)
  t.ok(r.store.opened, 'a store it does not own stays open')
})

test('a room never opened closes without opening anything', async (t) => {
  const s = await store(t)
  const r = new Room(s)
  await r.close()
  await r.close()
  t.ok(r.closed)
  t.absent(r.opened)
})

test('a follower is a resource: it listens only once iterated, close ends the iteration, twice is once', async (t) => {
  const r = await room(t)
  await r.append([chat('alice', 'one')])
  const before = r.log.listenerCount('append')
  const follower = r.follow({ start: 0, live: true })
  t.is(r.log.listenerCount('append'), before, 'no work in the constructor')

  const seen: string[] = []
  const iterating = (async () => {
    for await (const batch of follower) {
      for (const e of batch) if ('value' in e) seen.push(String(e.value.text ?? e.value.type))
      if (seen.includes('one')) break
    }
  })()
  await iterating
  t.ok(seen.includes('one'))
  t.ok(follower.closed, 'leaving the loop closes it')
  t.is(r.log.listenerCount('append'), before, 'its listeners are gone')

  const waiting = r.follow({ start: r.length, live: true })
  const ended = (async () => { for await (const _ of waiting) { /* nothing new comes */ } return true })()
  await new Promise(resolve => setTimeout(resolve, 50))
  t.is(r.log.listenerCount('append'), before + 1, 'a live follower listens while it waits')
  const closing = waiting.close()
  t.is(waiting.destroy(), closing, 'destroy is close')
  await closing
  t.ok(await ended, 'close ends a waiting iteration')
  t.is(r.log.listenerCount('append'), before)
})

test('a room miner closes once; mining after close is refused', async (t) => {
  const r = await room(t)
  const miner = new RoomMiner(r)
  const mined = await miner.mine('first', { difficulty: 1 })
  t.is(mined.block.height, 0)
  const first = miner.close()
  t.is(miner.close(), first)
  await first
  await t.exception(miner.mine('late'), /MINING_STOPPED|shutting down/)
})

test('a room miner closed mid-search stops the search', async (t) => {
  const r = await room(t)
  const miner = new RoomMiner(r)
  // difficulty 32 is never found in a test's time: only close can end it
  const search = miner.mine('never', { difficulty: 32 })
  await new Promise(resolve => setTimeout(resolve, 200))
  await miner.close()
  await t.exception(search, /shutting down/)
})

test('a relay closes once, and closes the store it owns before close resolves', async (t) => {
  const storage = await t.tmp()
  const creator = await createRoom(await t.tmp(), 'r', { nick: 'alice' })
  t.teardown(() => creator.close())
  const relay = await openRoomRelay(storage, 'r', creator.key)
  const first = relay.close()
  t.is(relay.close(), first)
  await first
  t.ok(relay.store.closed, 'the store is closed when close resolves')
  // and its lock is free: the same copy opens again at once
  const again = await openRoomRelay(storage, 'r', creator.key)
  await again.close()
})

test('a room\'s cores and its sync close once each, before the room does', async (t) => {
  const r = await room(t)
  const cores = new RoomCores(r.store, r.base)
  t.ok(cores.refresh([]), 'the creator\'s core is news')
  t.ok(cores.list().writers.length >= 1)
  const closing = cores.close()
  t.is(cores.close(), closing)
  await closing
  t.absent(cores.refresh([]), 'nothing new after close')
  const sync = new RoomSync(r, cores)
  const first = sync.close()
  t.is(sync.close(), first)
  await first
})
