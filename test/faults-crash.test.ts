import test from 'brittle'
import { Feed, Store, blockHash, nextTemplate, type Entry, type ChainTip } from '../src/index.js'
import { toBlock } from '../src/chain/block.js'
import { netOptions, network, runCli, sleep, spawnCli, testnet, writer } from './helpers/index.js'

// n entries, every tenth a block (difficulty 0) chained on the one before.
function entries (from: number, n: number, tip: { value: ChainTip | null }): Entry[] {
  const out: Entry[] = []
  for (let i = from; i < from + n; i++) {
    if (i % 10 === 9) {
      const t = nextTemplate(tip.value, { i }, 0, 1700000000000 + i)
      const block = toBlock(t, 0, blockHash({ ...t, nonce: 0 }))
      tip.value = { height: block.height, hash: block.hash }
      out.push(block)
    } else {
      out.push({ type: 'n', i })
    }
  }
  return out
}

test('writer killed with SIGKILL while 10,000 lines stream in: same key, every acknowledged line intact, in order', async (t) => {
  const storage = await t.tmp()
  const args = ['write', '--json', '--ack', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
  const w = spawnCli(t, args, { storage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  // stream the lines in chunks, as a pipe would
  const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ type: 'line', i }) + '\n')
  let sent = 0
  const feeding = (async () => {
    while (sent < lines.length && w.running) {
      w.write(lines.slice(sent, sent + 100).join(''))
      sent += 100
      await sleep(5)
    }
  })()
  await w.line(/^ok (29\d\d|[3-9]\d\d\d)$/, { timeout: 20_000 })
  w.proc.kill('SIGKILL')
  await w.exited
  await feeding
  const acked = w.stdout.lines.filter(l => l.startsWith('ok ')).map(l => Number(l.slice(3)))
  t.ok(acked.length >= 2900 && acked.length < 10_000, `killed mid-stream: ${acked.length} of 10000 lines acknowledged (${sent} sent)`)
  t.alike(acked, acked.map((_, i) => i), 'acks are in input order')

  const store = await Store.open(`${storage}/writers/default`)
  t.teardown(() => store.close())
  const feed = await Feed.openWriter(store, 'default')
  t.is(feed.key.toString('hex'), key, 'same key after the crash')
  t.ok(feed.length >= acked.length, `${feed.length} entries on disk >= ${acked.length} acknowledged`)
  const stored = await feed.read(0, feed.length)
  t.ok(stored.every((r, i) => 'value' in r && r.value.i === i), 'every stored entry intact and in order')
  await feed.close()
  await store.close()

  // and the writer restarts on it
  const again = spawnCli(t, args, { storage })
  t.is(await again.line(/^[0-9a-f]{64}$/), key)
  again.write(JSON.stringify({ type: 'line', i: -1 }) + '\n')
  t.is(await again.line(/^ok /), `ok ${stored.length}`, 'appends continue after the last entry')
  t.is((await again.stop()).code, 0)
})

test('viewer killed with SIGKILL mid-download of 100,000 entries resumes from what it stored, prints no gaps or duplicates, and the feed verifies', { timeout: 180_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const w = await writer(t)
  const tip = { value: null as ChainTip | null }
  for (let i = 0; i < 100_000; i += 1000) await w.append(entries(i, 1000, tip))
  await network(t, w, netOptions(bootstrap))
  const key = w.key.toString('hex')
  const storage = await t.tmp()

  const v = spawnCli(t, ['view', key, '--json', '--bootstrap', flag], { storage })
  // the download runs a window (32,768 entries) ahead of what is printed
  await v.line(/^\{"seq":30000,/, { timeout: 60_000 })
  v.proc.kill('SIGKILL')
  await v.exited
  const printed = v.stdout.lines.length
  const before = JSON.parse((await runCli(['info', key, '--json'], { storage })).out)
  t.ok(before.stored >= printed && before.stored < 100_000, `killed mid-download: ${before.stored} of 100000 entries stored (${printed} printed)`)

  const again = await runCli(['view', key, '--json', '--once', '--bootstrap', flag], { storage, timeout: 120_000 })
  t.is(again.code, 0, again.err)
  t.is(again.stdout.length, 100_000)
  t.ok(again.stdout.every((l, i) => l.startsWith(`{"seq":${i},`)), 'seq 0..99999, each once, in order')
  const stats = /100000 entries: (\d+) were stored here already, (\d+) downloaded \((\d+) bytes\)/.exec(again.err)
  t.ok(stats, again.err)
  const [, kept, downloaded, bytes] = stats!.map(Number)
  t.ok(kept! >= before.stored, `${kept} entries reused from disk`)
  t.is(kept! + downloaded!, 100_000, `only the ${downloaded} missing entries (${bytes} bytes) were downloaded`)
  t.comment(`killed after ${printed} printed / ${before.stored} stored; the restart downloaded ${downloaded} entries (${bytes} bytes)`)

  const verify = await runCli(['verify', key, '--bootstrap', flag], { storage })
  t.is(verify.code, 0)
  t.is(verify.stdout[0], `ok: 10000 blocks, height 9999, tip ${tip.value!.hash}`)
})

test('writer restarts while viewers are connected: they reconnect by themselves and get the new entries', async (t) => {
  const { flag } = await testnet(t)
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', '--nick', 'w', '--bootstrap', flag], { storage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write('before\n')
  const viewers = [0, 1].map(async () => spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() }))
  const [v1, v2] = await Promise.all(viewers)
  await Promise.all([v1!.line('w: before'), v2!.line('w: before')])

  w.proc.kill('SIGKILL') // no goodbye: the viewers find out on their own
  await w.exited
  const restarted = Date.now()
  const w2 = spawnCli(t, ['write', '--nick', 'w', '--bootstrap', flag], { storage })
  t.is(await w2.line(/^[0-9a-f]{64}$/), key)
  w2.write('after the restart\n')
  await Promise.all([v1!.line('w: after the restart', { timeout: 30_000 }), v2!.line('w: after the restart', { timeout: 30_000 })])
  t.comment(`both viewers had the new entry ${Date.now() - restarted} ms after the writer restarted`)
  t.is(v1!.stdout.lines.length, 2)
  t.is(v2!.stdout.lines.length, 2)
  t.ok(v1!.running && v2!.running, 'the viewers were never restarted')
})

test('with the writer gone, a third viewer gets the whole feed from the other viewers', async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--json', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ type: 'n', i })).join('\n') + '\n')
  const [v1, v2] = await Promise.all([0, 1].map(async () => spawnCli(t, ['view', key, '--json', '--bootstrap', flag], { storage: await t.tmp() })))
  await Promise.all([v1!.line(/"seq":1999,/), v2!.line(/"seq":1999,/)])
  t.is((await w.stop()).code, 0)

  const v3 = await runCli(['view', key, '--json', '--once', '--bootstrap', flag], { storage: await t.tmp() })
  t.is(v3.code, 0)
  t.is(v3.stdout.length, 2000)
  t.ok(v3.stdout.every((l, i) => l === JSON.stringify({ seq: i, value: { type: 'n', i } })))
})
