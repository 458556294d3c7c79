import fs from 'node:fs'
import { createRequire } from 'node:module'
import test from 'brittle'
import Autobase from 'autobase'
import Corestore from 'corestore'
import crypto from 'hypercore-crypto'
import { coreStorage, encryptionKeyOf, followerCoreOptions, bootstrapCore, hasNamedCore, hintWakeup, holdsBlocks, peerHas, peerStates, peersContiguousLength, remoteKeyOf, viewKeys } from '../src/internals.js'

// Each undocumented field or option hyperfeed relies on (src/internals.ts),
// checked against the installed Hypercore, Corestore and Autobase: an upgrade
// that drops one fails here.

const require = createRequire(import.meta.url)

async function store (t: test.Assert) {
  const s = new Corestore(coreStorage(await t.tmp(), { readOnly: false, writeBufferSize: 1024 * 1024 }))
  t.teardown(() => s.close(), { order: 1 })
  await s.ready()
  return s
}

test('peers: what a replication peer holds, and the Noise key of a protocol stream', async (t) => {
  const a = await store(t)
  const b = await store(t)
  const writer = a.get({ name: 'w' })
  await writer.ready()
  await writer.append([Buffer.from('1'), Buffer.from('2'), Buffer.from('3')])
  const reader = b.get({ key: writer.key })
  await reader.ready()
  const sa = a.replicate(true)
  const sb = b.replicate(false)
  sa.pipe(sb).pipe(sa)
  t.teardown(() => { sa.destroy(); sb.destroy() })
  await reader.update({ wait: true })
  await reader.download({ start: 0, end: 3 }).done()

  const remote = remoteKeyOf(sb)
  t.ok(remote !== null && remote.length === 32, 'a protocol stream names its remote Noise key')
  t.is(peersContiguousLength(reader), 3)
  t.alike(peerHas(reader, remote!), { length: 3, contiguousLength: 3 }, 'the peer Hypercore knows by that key')
  t.is(peerHas(reader, crypto.randomBytes(32)), null, 'a key that is not a peer')
  const [state] = peerStates(reader)
  t.alike(state?.key, remote, 'peer states name the peer by its key')
  t.is(state?.inflight, 0, 'nothing asked of it now')
  t.is(typeof state?.uploading, 'boolean')
  let from: object | null = null
  reader.on('download', (_i: number, _b: number, peer: object) => { from = peer })
  await writer.append(Buffer.from('4'))
  await reader.get(3)
  t.is(from, state?.peer, 'a download names the peer it came from')
})

test('a core\'s encryption key', async (t) => {
  const s = await store(t)
  const key = crypto.randomBytes(32)
  const core = s.get({ name: 'secret', encryption: { key } })
  await core.ready()
  t.alike(encryptionKeyOf(core), key)
  const plain = s.get({ name: 'plain' })
  await plain.ready()
  t.is(encryptionKeyOf(plain), null)
})

test('follower options reach the replicator', async (t) => {
  const s = await store(t)
  const core = s.get({ key: crypto.randomBytes(32), ...followerCoreOptions([256, 1024]) })
  await core.ready()
  const replicator = (core as unknown as { core: { replicator: { inflightRange: [number, number], _alwaysLatestBlock: number } } }).core.replicator
  t.alike(replicator.inflightRange, [256, 1024])
  t.ok(replicator._alwaysLatestBlock > 0, 'the latest block is allowed')
})

test('storage: the memtable option is still read, and named cores are found', async (t) => {
  const source = fs.readFileSync(require.resolve('hypercore-storage'), 'utf8')
  t.ok(source.includes('writeBufferSize'), 'hypercore-storage reads writeBufferSize')
  const s = await store(t)
  t.is(await hasNamedCore(s, 'w'), false)
  await s.get({ name: 'w' }).ready()
  t.is(await hasNamedCore(s, 'w'), true)
  t.is(await holdsBlocks(s), false, 'an empty core holds no block')
  await s.get({ name: 'w' }).append(Buffer.from('x'))
  t.is(await holdsBlocks(s), true)
})

test('autobase: view keys and wakeup hints', async (t) => {
  const s = await store(t)
  const base = new Autobase(s, null, {
    open: (st) => st.get('view'),
    apply: async () => {},
    valueEncoding: 'binary'
  })
  t.teardown(() => base.close())
  await base.ready()
  t.alike(bootstrapCore(base).key, base.key, 'the bootstrap session')
  const keys = viewKeys(base)
  t.ok(keys.length >= 1 && keys.every(k => k.length === 32), 'views have keys')
  t.execution(() => hintWakeup(base, [{ key: base.local.key, length: 0 }]))
  await base.update()
})
