import test from 'brittle'
import { Feed, Store, chat } from '../src/index.js'
import { netOptions, network, reader, replicate, take, testnet, writer } from './helpers/index.js'

test('existing entries reach a new viewer over the swarm', async (t) => {
  const { bootstrap } = await testnet(t)
  const w = await writer(t)
  await w.append(Array.from({ length: 50 }, (_, i) => chat('alice', 'msg ' + i, 1000 + i)))
  await network(t, w, netOptions(bootstrap))

  const v = await reader(t, w.key)
  await network(t, v, netOptions(bootstrap))
  const got = await take(v, 50)
  t.alike(got.map(e => 'value' in e && e.value.text), Array.from({ length: 50 }, (_, i) => 'msg ' + i))
  t.alike(got.map(e => e.seq), Array.from({ length: 50 }, (_, i) => i))
})

// The rest is the feed's own behaviour: replicated in this process.

test('live entries arrive in order, each once', async (t) => {
  const w = await writer(t)
  const v = await reader(t, w.key)
  replicate(t, w, v)

  const receiving = take(v, 200)
  for (let i = 0; i < 200; i++) {
    await w.append(chat('alice', String(i)))
    if (i % 20 === 0) await new Promise(resolve => setTimeout(resolve, 5))
  }
  const got = await receiving
  t.alike(got.map(e => 'value' in e && e.value.text), Array.from({ length: 200 }, (_, i) => String(i)))
})

test('a restarted viewer reads offline at once, then resumes without duplicates', async (t) => {
  const w = await writer(t)
  await w.append(Array.from({ length: 10 }, (_, i) => chat('a', 'first ' + i)))
  const dir = await t.tmp()

  {
    const store = await Store.open(dir)
    const v = await Feed.open(store, w.key)
    const cut = replicate(t, w, v)
    t.is((await take(v, 10)).length, 10)
    await cut()
    await v.close()
    await store.close()
  }

  await w.append(Array.from({ length: 5 }, (_, i) => chat('a', 'second ' + i)))

  // offline: no peer at all, the stored entries are there
  const v = await reader(t, w.key, dir)
  const offline = await v.read(0, 100, { wait: false })
  t.is(offline.length, 10, 'the 10 stored entries read with no peer')

  // connected again: continue from where it stopped
  replicate(t, w, v)
  const rest = await take(v, 5, offline.length)
  t.alike(rest.map(e => e.seq), [10, 11, 12, 13, 14])
  t.alike(rest.map(e => 'value' in e && e.value.text), ['second 0', 'second 1', 'second 2', 'second 3', 'second 4'])
})

test('a second viewer gets the whole feed from the first while the writer is offline', async (t) => {
  const w = await writer(t)
  await w.append(Array.from({ length: 300 }, (_, i) => chat('a', 'n' + i)))
  const v1 = await reader(t, w.key)
  const cut = replicate(t, w, v1)
  t.is((await take(v1, 300)).length, 300)
  await cut()

  const v2 = await reader(t, w.key)
  replicate(t, v1, v2)
  const got = await take(v2, 300)
  t.is(got.length, 300)
  t.alike(got.map(e => 'value' in e && e.value.text).slice(-2), ['n298', 'n299'])
  t.is(v2.core.peers.length, 1, 'its only peer is the first viewer')
})
