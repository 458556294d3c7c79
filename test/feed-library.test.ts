import test from 'brittle'
import { BlockWriter, Feed, HyperfeedError, chat, openFeed, syncOnce, verifyChain, type EntryResult } from '../src/index.js'
import { replicate } from './helpers/index.js'

test('openFeed: by name or key, read-only or writable, and reads never create storage', async (t) => {
  const storage = await t.tmp()
  const missing = storage + '/nothing-here'
  await t.exception(openFeed({ storage: missing, name: 'x' }, { access: 'read' }), /no hyperfeed storage/)
  await t.exception(openFeed({ storage }, { access: 'read', command: 'info' }), /info needs either a feed KEY or --name NAME/)

  const { feed, name, local } = await openFeed({ storage, name: 'notes' }, { access: 'write' })
  t.alike([name, local, feed.writable], ['notes', true, true])
  await feed.append([chat('a', 'one'), chat('a', 'two')])
  const key = feed.key.toString('hex')

  // read-only while the writer holds its storage
  const byName = await openFeed({ storage, name: 'notes' }, { access: 'read' })
  const byKey = await openFeed({ storage, key }, { access: 'read' })
  t.alike([byName.feed.length, byKey.feed.length, byKey.name, byKey.feed.writable], [2, 2, 'notes', false])
  const checked = await openFeed({ storage, key }, { access: 'check' })
  t.is(checked.local, true, 'check reads a feed this storage writes as stored')
  await Promise.all([byName.feed.close(), byKey.feed.close(), checked.feed.close()])

  const other = 'f'.repeat(64)
  await t.exception(openFeed({ storage, key: other }, { access: 'read' }), /is not in/)
  const followed = await openFeed({ storage, key: other }, { access: 'check' })
  t.is(followed.local, false, 'a feed this storage does not write is followed')
  await followed.feed.close()
  await t.exception(openFeed({ storage, key }, { access: 'write' }), /use --name NAME/)
  await feed.close()
  t.is(await feed.close(), undefined, 'close twice')
})

test('syncOnce: reads to the peer\'s length; NO_PEER in time with no peer', async (t) => {
  const writer = await Feed.openWriterIn({ storage: await t.tmp() }, 'w')
  t.teardown(() => writer.close())
  await writer.append(Array.from({ length: 500 }, (_, i) => chat('w', `line ${i}`)))
  const copy = await Feed.openIn({ storage: await t.tmp() }, writer.key)
  t.teardown(() => copy.close())
  replicate(t, writer, copy)

  const seen: EntryResult[] = []
  const result = await syncOnce(copy, { start: 100, timeout: 10_000, onEntries: (b) => { seen.push(...b) } })
  t.alike([result.length, result.position, result.complete, result.readable], [500, 500, true, true])
  t.is(seen.length, 400)
  t.is(seen[0]!.seq, 100)
  t.is(result.downloaded.blocks, 400, 'only what was read was downloaded')

  const lonely = await Feed.openIn({ storage: await t.tmp() }, Buffer.alloc(32, 7))
  t.teardown(() => lonely.close())
  const started = Date.now()
  const err = await syncOnce(lonely, { timeout: 500 }).catch(e => e)
  t.ok(err instanceof HyperfeedError && err.code === 'NO_PEER', String(err))
  t.ok(Date.now() - started < 3000, 'in time')
})

test('verifyChain and BlockWriter: blocks mined one at a time on the tip, checked end to end', async (t) => {
  const feed = await Feed.openWriterIn({ storage: await t.tmp() }, 'chain')
  t.teardown(() => feed.close())
  const blocks = new BlockWriter(feed, { difficulty: 4 })
  t.teardown(() => blocks.close())
  // concurrent requests still build one chain
  const mined = await Promise.all([blocks.mine('a'), blocks.mine('b'), blocks.mine({ n: 3 })])
  t.alike(mined.map(m => m.block.height), [0, 1, 2])
  await feed.append(chat('x', 'not a block'))
  const report = await verifyChain(feed)
  t.alike([report.blocks, report.invalid, report.first, report.complete, report.tip?.hash], [3, 0, null, true, mined[2]!.block.hash])
  const strict = await verifyChain(feed, { minDifficulty: 5 })
  t.is(strict.invalid, 3)
  t.is(strict.first?.seq, 0)
  await blocks.close()
  await t.exception(blocks.mine('late'), /mining stopped/)
})
