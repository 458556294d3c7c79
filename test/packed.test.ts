import test from 'brittle'
import Corestore from 'corestore'
import Hyperswarm from 'hyperswarm'
import DHT from 'hyperdht'
import { Feed, MAX_ENTRY_BYTES, Room, Store, blockHash, chat, encodeEntry, isUnreadable, parseRoomRef, GENESIS_PREV } from '../src/index.js'
import { toBlock } from '../src/chain/block.js'
import { MAX_PACKED_ENTRY_BYTES, packBlocks } from '../src/feed/pack.js'
import { LineInput } from '../src/input.js'
import { replicate, runCli, spawnCli, testnet } from './helpers/index.js'

const line = (i: number) => JSON.stringify({ type: 'n', i })

test('write --pack: lines that arrive together share a block; view counts entries, finds entry N directly, and a stock reader sees JSON objects', { timeout: 120_000 }, async (t) => {
  const { flag, bootstrap } = await testnet(t)
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', '--pack', '--json', '--ack', '--bootstrap', flag], { storage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  await w.errLine(/\(0 entries, packed\)/)
  const N = 30_000
  w.write(Array.from({ length: N }, (_, i) => line(i)).join('\n') + '\n')
  const last = await w.line(`ok ${N - 1}`, { timeout: 60_000 })
  t.is(last, `ok ${N - 1}`, 'one ack per line, numbered by entry')
  t.is(w.stdout.lines.filter(l => l.startsWith('ok ')).length, N)

  // a stock Hypercore reader: fewer blocks than entries, each one JSON object
  const store = new Corestore(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const core = store.get({ key: Buffer.from(key, 'hex') })
  await core.ready()
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1', firewalled: false }) })
  t.teardown(() => swarm.destroy(), { order: -1 })
  swarm.on('connection', (conn) => { conn.on('error', () => {}); store.replicate(conn) })
  const done = core.findingPeers()
  swarm.join(core.discoveryKey, { server: false, client: true })
  swarm.flush().then(done, done)
  await core.update({ wait: true })
  t.ok(core.length > 0 && core.length < N / 8, `${N} entries in ${core.length} blocks`)
  const first = JSON.parse((await core.get(0))!.toString())
  t.is(first.type, 'batch')
  t.is(first.first, 0)
  t.alike(first.entries[0], { type: 'n', i: 0 })

  // view: every entry once, numbered as entries
  const all = await runCli(['view', key, '--once', '--json', '--bootstrap', flag], { storage: await t.tmp() })
  t.is(all.code, 0, all.err)
  t.is(all.stdout.length, N)
  t.alike(all.stdout.map(l => JSON.parse(l).seq), Array.from({ length: N }, (_, i) => i))
  t.ok(all.stdout.every((l, i) => JSON.parse(l).value.i === i))

  // --start N: found by binary search, not by reading the feed from the start
  const from = await runCli(['view', key, '--once', '--json', '--start', '27777', '--bootstrap', flag], { storage: await t.tmp() })
  t.is(from.code, 0)
  t.alike(JSON.parse(from.stdout[0]!), { seq: 27777, value: { type: 'n', i: 27777 } })
  t.is(from.stdout.length, N - 27777)
  const downloaded = Number(/(\d+) downloaded/.exec(from.err)![1])
  t.ok(downloaded <= core.length / 3, `downloaded ${downloaded} of ${core.length} blocks`)
  await w.stop()
})

test('a feed may mix plain and packed blocks; once packed, its writer keeps packing; blocks inside batches are checked as before', { timeout: 90_000 }, async (t) => {
  const storage = await t.tmp()
  const net = ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
  t.is((await runCli(['append', 'plain one'], { storage })).code, 0)
  t.is((await runCli(['append', 'plain two'], { storage })).code, 0)
  const w = spawnCli(t, ['write', '--pack', '--ack', ...net], { storage })
  w.write('packed three\npacked four\n/block "in a batch"\n')
  await w.line('ok 4')
  await w.stop()
  // without --pack, a packed feed stays packed
  const again = spawnCli(t, ['write', '--ack', ...net], { storage })
  await again.errLine(/\(5 entries, packed\)/)
  again.write('six\n')
  await again.line('ok 5')
  const port = /:(\d+)$/.exec(await again.errLine('accepting WebSocket peers'))![1]!
  const v = await runCli(['view', (await runCli(['key'], { storage })).stdout[0]!, '--once', '--json', '--no-swarm', '--peer', `ws://127.0.0.1:${port}`], { storage: await t.tmp() })
  t.is(v.code, 0, v.err)
  const entries = v.stdout.map(l => JSON.parse(l))
  t.alike(entries.map(e => e.seq), [0, 1, 2, 3, 4, 5])
  t.alike(entries.map(e => e.value.text ?? e.value.data), ['plain one', 'plain two', 'packed three', 'packed four', 'in a batch', 'six'])
  t.is(entries[4].valid, true, 'the block inside a batch is checked and valid')
  await again.stop()
  const verify = await runCli(['verify', '--name', 'default'], { storage })
  t.is(verify.code, 0)
  t.ok(verify.out.startsWith('ok: 1 block, height 0'), verify.out)
  const refused = await runCli(['append', '--json', '{"type":"batch","first":0,"entries":[]}'], { storage })
  t.is(refused.code, 1)
  t.ok(/"batch" is the type of packed blocks/.test(refused.err))
})

test('a packed writer refuses an entry too big for its batch before writing anything; the biggest it takes reads back, and the count survives a reopen', async (t) => {
  const storage = await t.tmp()
  const feed = await Feed.openWriterIn({ storage }, 'big', { pack: {} })
  const sized = (bytes: number) => ({ type: 'big', s: 'a'.repeat(bytes - '{"type":"big","s":""}'.length) })
  t.is(encodeEntry(sized(MAX_PACKED_ENTRY_BYTES)).length, MAX_PACKED_ENTRY_BYTES)
  await feed.append([chat('ann', 'first')])
  await t.exception(feed.append([sized(MAX_PACKED_ENTRY_BYTES + 1)]), /over the \d+-byte limit/, 'one byte over: refused')
  const refused: string[] = []
  const input = new LineInput(feed, { nick: 'ann', json: true, onReject: (err) => refused.push(err.message) })
  input.push(JSON.stringify(sized(MAX_ENTRY_BYTES - 8)) + '\n' + JSON.stringify(sized(MAX_PACKED_ENTRY_BYTES)) + '\n')
  await input.end()
  t.is(refused.length, 1, 'a line under the plain limit but too big to pack is refused, not acknowledged')
  t.ok(/over the 1048512-byte limit/.test(refused[0]!), refused[0])
  t.is(feed.length, 2)
  await feed.close()
  const again = await Feed.openWriterIn({ storage }, 'big')
  t.teardown(() => again.close())
  t.is(again.length, 2, 'reopened: two entries')
  const [first, big] = await again.read(0, 2)
  t.is((first as any).value.text, 'first')
  t.ok(big !== undefined && !isUnreadable(big) && (big.value as any).s.length === MAX_PACKED_ENTRY_BYTES - '{"type":"big","s":""}'.length, 'the biggest packed entry reads back whole')
})

test('packed blocks from another program: malformed batches and entries are unreadable, never a crash; forged blocks inside are flagged', { timeout: 60_000 }, async (t) => {
  const dir = await t.tmp()
  const store = new Corestore(dir + '/writers/default')
  const core = store.get({ name: 'default' })
  await core.ready()
  const genesis = (() => {
    const tpl = { height: 0, time: 1, prev: GENESIS_PREV, difficulty: 0, data: 'g' }
    return toBlock(tpl, 0, blockHash({ ...tpl, nonce: 0 }))
  })()
  await core.append([
    Buffer.from(JSON.stringify({ type: 'batch', first: 'x', entries: [] })),
    Buffer.from(JSON.stringify({ type: 'batch', first: 1, entries: [1, null, { no: 'type' }, { type: 'ok' }] })),
    ...packBlocks(5, [encodeEntry(genesis), Buffer.from(JSON.stringify({ ...genesis, data: 'forged' }))])
  ])
  const key = core.key.toString('hex')
  await core.close()
  await store.close()
  const { writeFileSync, mkdirSync } = await import('node:fs')
  mkdirSync(dir, { recursive: true })
  writeFileSync(dir + '/HYPERFEED', JSON.stringify({ hyperfeed: 1 }) + '\n')
  writeFileSync(dir + '/writers/default.key', key + '\n')
  const s = spawnCli(t, ['serve', '--name', 'default', '--port', '0', '--no-swarm', '--ws-port', '0'], { storage: dir })
  const url = await s.line(/^http:\/\//)
  const entries = await (await fetch(url + 'api/entries')).json() as { seq: number, error?: string, valid?: boolean }[]
  t.is(entries.length, 7)
  t.ok(/malformed packed block/.test(entries[0]!.error!), entries[0]!.error)
  t.alike(entries.slice(1, 4).map(e => Boolean(e.error)), [true, true, true])
  t.is(entries[5]!.valid, true)
  t.is(entries[6]!.valid, false, 'the forged block is flagged')
  const page = await (await fetch(url + 'api/entries?start=5&end=7')).json() as { seq: number }[]
  t.alike(page.map(e => e.seq), [5, 6], '?start= counts entries')
  t.is((await s.stop()).code, 0)
})

test('rooms: a member\'s packed block reaches the others as its entries, numbered as in its core', { timeout: 60_000 }, async (t) => {
  const s1 = await Store.open(await t.tmp())
  const s2 = await Store.open(await t.tmp())
  t.teardown(async () => { await s1.close(); await s2.close() }, { order: 1 })
  const a = await Room.create(s1, { nick: 'a' })
  t.teardown(() => a.close())
  const ref = parseRoomRef(await a.createInvite())
  const b = new Room(s2, { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  t.teardown(() => b.close())
  await b.ready()
  replicate(t, a, b)
  await b.join(ref.invite!, { nick: 'b', timeout: 15_000 })
  const at = b.base.local.length
  await b.base.append(packBlocks(at, ['one', 'two', 'three'].map(x => encodeEntry(chat('b', x)))))
  await b.append([chat('b', 'after')])
  const deadline = Date.now() + 15_000
  while (a.length < 6 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
  const seen = (await a.read(0, a.length)).filter(e => 'value' in e && e.value.type === 'chat')
  t.alike(seen.map(e => 'value' in e ? e.value.text : null), ['one', 'two', 'three', 'after'])
  t.alike(seen.map(e => e.authorSeq), [at, at + 1, at + 2, at + 3], 'the entry after the packed block is numbered after its entries')
})
