import test from 'brittle'
import Corestore from 'corestore'
import Hyperswarm from 'hyperswarm'
import DHT from 'hyperdht'
import { GENESIS_PREV, MAX_DIFFICULTY, blockHash, chat, type Block } from '../src/index.js'
import { Miner } from '../src/chain/mine.js'
import { mineNext } from '../src/feed/block-writer.js'
import { netOptions, network, runCli, spawnCli, testnet, writer } from './helpers/index.js'

test('a 1,000-block chain replicated to a viewer verifies, and view marks every block valid', { timeout: 120_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const w = await writer(t)
  const miner = new Miner()
  t.teardown(() => miner.close())
  for (let i = 0; i < 1000; i++) {
    await mineNext(w, { i }, { difficulty: 4, miner })
    if (i % 250 === 0) await w.append(chat('miner', `at block ${i}`)) // chat between blocks does not break the chain
  }
  await network(t, w, netOptions(bootstrap))

  const storage = await t.tmp()
  const r = await runCli(['verify', w.key.toString('hex'), '--bootstrap', flag], { storage })
  t.is(r.code, 0, r.err)
  t.alike(r.stdout, [`ok: 1000 blocks, height 999, tip ${(await w.chainTip())!.hash}`])
  t.ok(/checked 1000 blocks in 1004 entries in [\d.]+ s \(\d+ blocks\/s\)/.test(r.err), r.err)

  const v = await runCli(['view', w.key.toString('hex'), '--json', '--once', '--bootstrap', flag], { storage })
  const lines = v.stdout.map(l => JSON.parse(l))
  t.is(lines.length, 1004)
  const blocks = lines.filter(l => l.value.type === 'block')
  t.is(blocks.length, 1000)
  t.ok(blocks.every(l => l.valid === true && l.error === undefined))
  t.is(lines.filter(l => l.valid !== undefined).length, 1000, 'only blocks carry validity')
})

// Another program's feed: raw Hypercore, raw Hyperswarm, and a forged block in the middle.
test('a feed with an invalid block in the middle is flagged at that height over a real swarm connection', async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const store = new Corestore(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const core = store.get({ name: 'raw' })
  await core.ready()

  const mk = (height: number, prev: string, data: unknown): Block => {
    const b = { type: 'block' as const, height, time: 1700000000000 + height, prev, difficulty: 0, nonce: 0, data }
    return { ...b, hash: blockHash(b) }
  }
  const b0 = mk(0, GENESIS_PREV, 'zero')
  const b1 = mk(1, b0.hash, 'one')
  const forged = { ...mk(2, b1.hash, 'two'), data: 'tampered' }
  const b2 = mk(2, b1.hash, 'two')
  const b3 = mk(3, b2.hash, 'three')
  const blocks = [b0, b1, forged, 'not json at all', { type: 'chat', nick: 'x', text: 'between', time: 1 }, b2, [1, 2], b3]
  await core.append(blocks.map(b => Buffer.from(typeof b === 'string' ? b : JSON.stringify(b))))

  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1', firewalled: false }) })
  t.teardown(() => swarm.destroy(), { order: 0 })
  swarm.on('connection', (conn) => { conn.on('error', () => {}); store.replicate(conn) })
  swarm.join(core.discoveryKey, { server: true, client: false })
  await swarm.flush()
  const key = core.key.toString('hex')

  const human = await runCli(['view', key, '--once', '--bootstrap', flag], { storage: await t.tmp() })
  t.is(human.code, 0, 'content problems do not change the exit code of view')
  t.alike(human.stdout, [
    `#0 ${b0.hash.slice(0, 12)} "zero"`,
    `#1 ${b1.hash.slice(0, 12)} "one"`,
    `#2 ${forged.hash.slice(0, 12)} INVALID (hash ${forged.hash.slice(0, 12)} does not match the content (${blockHash(forged).slice(0, 12)}))`,
    '! #3 unreadable: not JSON',
    '(4) [00:00:00] x: between'.replace('00:00:00', human.stdout[4]!.slice(5, 13)),
    `#2 ${b2.hash.slice(0, 12)} "two"`,
    '! #6 unreadable: JSON an array, not an object',
    `#3 ${b3.hash.slice(0, 12)} "three"`
  ])

  const json = await runCli(['view', key, '--once', '--json', '--bootstrap', flag], { storage: await t.tmp() })
  const lines = json.stdout.map(l => JSON.parse(l))
  t.alike(lines[2], { seq: 2, valid: false, error: `hash ${forged.hash.slice(0, 12)} does not match the content (${blockHash(forged).slice(0, 12)})`, value: forged })
  t.alike(lines[5], { seq: 5, valid: true, value: b2 })
  t.alike(lines[3], { seq: 3, error: 'not JSON' })

  const verify = await runCli(['verify', key, '--bootstrap', flag], { storage: await t.tmp() })
  t.is(verify.code, 1)
  t.alike(verify.stdout, [`invalid: seq 2, height 2: hash ${forged.hash.slice(0, 12)} does not match the content (${blockHash(forged).slice(0, 12)}) (1 invalid of 5 blocks)`])

  // from --start past the forged block: the chain before it is still taken into account
  const tail = await runCli(['view', key, '--once', '--start', '5', '--bootstrap', flag], { storage: await t.tmp() })
  t.alike(tail.stdout, [`#2 ${b2.hash.slice(0, 12)} "two"`, '! #6 unreadable: JSON an array, not an object', `#3 ${b3.hash.slice(0, 12)} "three"`])
})

// A search that cannot finish within any test: nonces 0 to UNMINABLE_CHECKED
// of this template were hashed once (the preimage exactly as the mining worker
// builds it), and none gives the 32 leading zero bits of the highest
// difficulty the code allows. The worker (1.5M hashes/s here, idle) would need
// 200 s to get past them; the test below cancels it within 60 s (a viewer on an
// idle machine has its entries in about a second).
const UNMINABLE = { height: 0, time: 1_700_000_000_000, prev: GENESIS_PREV, difficulty: MAX_DIFFICULTY, data: 'a search that cannot finish' }
const UNMINABLE_CHECKED = 300_000_000

test('mining runs on a worker thread: a viewer syncs 1000 entries from the writer while a search that cannot finish runs, and cancel() ends it', { timeout: 120_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const w = await writer(t)
  await w.append(Array.from({ length: 1000 }, (_, i) => ({ type: 'n', i })))
  await network(t, w, netOptions(bootstrap))
  const miner = new Miner()
  t.teardown(() => miner.close())
  let outcome: string | null = null
  const search = miner.mine(UNMINABLE).then(
    m => { outcome = `found nonce ${m.block.nonce} (checked: none below ${UNMINABLE_CHECKED})`; return m },
    (err: Error) => { outcome = err.message; throw err })

  // a search on the main thread would hold the writer's replication until it ends
  const started = Date.now()
  const v = spawnCli(t, ['view', w.key.toString('hex'), '--json', '--bootstrap', flag], { storage: await t.tmp() })
  await v.line(/"seq":999,/, { timeout: 60_000 })
  t.comment(`a viewer got 1000 entries in ${Date.now() - started} ms while the writer mined`)
  t.is(outcome, null, 'the search is still running')
  const ended = t.exception(search, /mining cancelled/, 'cancel() ends it')
  await miner.cancel()
  await ended
})

test('the writer mines /block on a worker thread and stops at once in the middle of a search', async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--json', '--difficulty', String(MAX_DIFFICULTY), '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write(Array.from({ length: 300 }, (_, i) => JSON.stringify({ type: 'n', i })).join('\n') + '\n')
  w.write('/block "expensive"\n')
  await w.errLine(`mining block #0 at difficulty ${MAX_DIFFICULTY}...`)
  const v = spawnCli(t, ['view', key, '--json', '--bootstrap', flag], { storage: await t.tmp() })
  await v.line(/"seq":299,/, { timeout: 15_000 })

  const stopped = Date.now()
  t.is((await w.stop('SIGTERM')).code, 0, 'the writer exits 0 on SIGTERM while it mines')
  t.ok(Date.now() - stopped < 5000, `at once (${Date.now() - stopped} ms)`)
})

test('writer: /block appends a mined block; hand-written blocks must extend the chain', async (t) => {
  const { flag } = await testnet(t)
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', '--json', '--difficulty', '8', '--ack', '--bootstrap', flag], { storage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write('/block {"n":1}\n')
  await w.line('ok 0')
  const v = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() })
  const first = await v.line(/^#0 [0-9a-f]{12} \{"n":1\}$/)
  t.ok(first)

  const tip = JSON.parse((await runCli(['view', key, '--json', '--once', '--bootstrap', flag], { storage: await t.tmp() })).stdout[0]!).value as Block
  const stale = { type: 'block' as const, height: 0, time: 1, prev: GENESIS_PREV, difficulty: 0, nonce: 0, data: 'again' }
  w.write(JSON.stringify({ ...stale, hash: blockHash(stale) }) + '\n')
  await w.errLine(/entry refused: the block does not extend this feed's chain: height 0 does not follow 0/)
  const next = { type: 'block' as const, height: 1, time: 2, prev: tip.hash, difficulty: 0, nonce: 0, data: 'by hand' }
  w.write(JSON.stringify({ ...next, hash: blockHash(next) }) + '\n')
  await v.line(`#1 ${blockHash(next).slice(0, 12)} "by hand"`)
  w.write('/block not-json\n')
  await w.errLine(/block data must be JSON/)
  await w.line(/^err block data/)
  t.alike(w.stdout.lines.slice(1), ['ok 0', 'err entry refused: the block does not extend this feed\'s chain: height 0 does not follow 0', 'ok 1', 'err block data must be JSON (for text, quote it: \'"hello"\'), not "not-json"'])
})

test('hyperfeed mine appends the next block offline and prints it', async (t) => {
  const storage = await t.tmp()
  const first = await runCli(['mine', '--difficulty', '12', '{"a":1}'], { storage })
  t.is(first.code, 0)
  const b0 = JSON.parse(first.out) as Block
  t.is(b0.height, 0)
  t.ok(b0.hash.startsWith('000'), '12 zero bits')
  t.ok(/mined block #0 \(seq 0\) in [\d.]+ s: \d+ hashes, \d+ hashes\/s/.test(first.err))
  const b1 = JSON.parse((await runCli(['mine', '--difficulty', '0', '"x"'], { storage })).out) as Block
  t.is(b1.prev, b0.hash)
  t.is((await runCli(['verify', '--name', 'default'], { storage })).stdout[0], `ok: 2 blocks, height 1, tip ${b1.hash}`)
  const strict = await runCli(['verify', '--name', 'default', '--min-difficulty', '1'], { storage })
  t.is(strict.code, 1)
  t.ok(strict.out.startsWith('invalid: seq 1, height 1: difficulty 0 is below the required 1'))
  const bad = await runCli(['mine', '--difficulty', '33', '1'], { storage })
  t.is(bad.code, 2)
  t.alike(bad.stderr, ['hyperfeed: --difficulty must be a whole number from 0 to 32, not "33"'])
})
