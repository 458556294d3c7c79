import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { type Entry, chat } from '../src/entries.js'
import { Feed } from '../src/feed/feed.js'
import { deleteEntry, editEntry, reactionEntry, replyEntry } from '../src/messages/entry-types.js'
import { Room } from '../src/room/room.js'
import { Store } from '../src/storage.js'
import { indexTerms } from '../src/search/keys.js'
import { type IndexInput, SearchIndex } from '../src/search/search-index.js'
import { entryText, fold, words } from '../src/search/text.js'
import { SearchUpdater, feedSource, roomSource } from '../src/search/updater.js'

const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const T0 = 1_700_000_000_000

type Assert = test.Assert

async function writer (t: Assert) {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const feed = await Feed.openWriter(store, 'search')
  t.teardown(() => feed.close())
  return feed
}

async function openIndex (t: Assert, dir: string, opts: Partial<ConstructorParameters<typeof SearchIndex>[1]> = {}) {
  const index = new SearchIndex(dir, { identity: 'ff'.repeat(32), ...opts })
  t.teardown(() => index.close())
  await index.ready()
  return index
}

const seqs = (hits: { seq: number }[]) => hits.map(h => h.seq)

test('text is folded: case, accents and compatibility forms do not matter', (t) => {
  t.is(fold('Ÿes CAFÉ ﬁne Ångström'), 'yes cafe fine angstrom')
  t.is(fold('Straße ẞ Œuvre Łódź Ærø'), 'strasse ss oeuvre lodz aero')
  t.alike(words('Café, café! CAFE... naïve coöperation 42x; 日本語 テキスト'), ['cafe', 'naive', 'cooperation', '42x', '日本語', 'テキスト'])
  t.is(words('x'.repeat(100))[0]!.length, 64, 'very long words are cut')
  t.alike([...indexTerms(['a', 'ok', 'hel', 'hello', 'help', '日本語です'])], ['a', 'ok', 'he', 'hel', 'hell', 'hello', 'help', '日本', '日本語', '日本語で', '日本語です'], 'at most four terms a word')
  t.is(entryText(chat('n', 'hi there', 1)), 'hi there')
  t.is(entryText({ type: 'reading', sensor: 'Kitchen', value: 21, tags: ['warm', { deep: 'inside' }] }), 'Kitchen warm inside')
  t.is(entryText({ type: 'block', height: 1, hash: 'ab', data: { note: 'mined' } }), 'mined')
  t.is(entryText(reactionEntry(1, '👍')), null)
})

test('a feed\'s index: words, prefixes, accents, two words, newest first, authors and time filters', async (t) => {
  const feed = await writer(t)
  const texts = [
    'Hello world', 'the café opens at noon', 'HELLO again, World', 'nothing to see', 'help is on the way',
    'internationalization is long', 'internationally known', 'un café crème', 'hello', 'world peace'
  ]
  await feed.append(texts.map((text, i) => chat('al', text, T0 + i * 1000)))
  await feed.append({ type: 'reading', sensor: 'Hallway', note: 'hello from a sensor' })
  const index = await openIndex(t, await t.tmp(), { identity: feed.key.toString('hex') })
  const updater = new SearchUpdater(index, feedSource(feed))
  t.teardown(() => updater.close())
  await updater.update()
  t.is(index.length, 11)

  t.alike(seqs(await index.search('hello')), [10, 8, 2, 0], 'a word, newest first (any entry with strings)')
  t.alike(seqs(await index.search('HÉLLO')), [10, 8, 2, 0], 'case and accents do not matter')
  t.alike(seqs(await index.search('hel')), [10, 8, 4, 2, 0], 'a prefix matches the words it begins')
  t.alike(seqs(await index.search('cafe')), [7, 1])
  t.alike(seqs(await index.search('hello world')), [2, 0], 'two words: both, in any order')
  t.alike(seqs(await index.search('world hel')), [2, 0])
  t.alike(seqs(await index.search('internationali')), [5], 'a word longer than the indexed prefixes is checked in full')
  t.alike(seqs(await index.search('internationally')), [6])
  t.alike(seqs(await index.search('internat')), [6, 5])
  t.alike(seqs(await index.search('zebra')), [])
  t.alike(seqs(await index.search('hello', { limit: 2 })), [10, 8])
  t.alike(seqs(await index.search('hello', { since: T0 + 2000 })), [8, 2], 'since: entries with a time from then on')
  t.alike(seqs(await index.search('hello', { since: T0 + 1000, until: T0 + 8000 })), [2])
  t.alike(seqs(await index.search('hello', { authors: [A] })), [], 'an author with nothing here')
  const [hit] = await index.search('peace')
  t.alike(hit, { seq: 9, author: null, authorSeq: null, time: T0 + 9000 })
  await t.exception(index.search('  ... !'), /nothing to search for/)
  t.alike(seqs(await index.search('he')), [10, 8, 4, 2, 0], 'two letters')
  t.alike(seqs(await index.search('o')), [], 'one letter finds only one-letter words')

  // new entries are indexed as they arrive
  await feed.append(chat('al', 'hello once more', T0 + 20_000))
  await updater.update()
  t.alike(seqs(await index.search('hello', { limit: 1 })), [11])
})

test('a query word that begins very many words is still answered in full (checked document by document)', async (t) => {
  const index = await openIndex(t, await t.tmp())
  // 300 distinct words beginning "zyx", each in two entries, and some noise
  const entries: IndexInput[] = []
  for (let i = 0; i < 600; i++) entries.push({ seq: i, value: chat('al', `noise zyxw${i % 300} more ${i % 7 === 0 ? 'zyxwv' : ''}`, T0 + i) })
  await index.add(entries)
  const scan = (q: string) => entries.filter(e => 'value' in e && words(e.value.text as string).some(w => w.startsWith(q))).map(e => e.seq).reverse()
  t.alike(seqs(await index.search('zyxw', { limit: 1000 })), scan('zyxw'), 'more words than the dictionary expands: the 3-letter term, checked')
  t.alike(seqs(await index.search('zyxw1', { limit: 1000 })), scan('zyxw1'), 'fewer: a union of the words')
  t.alike(seqs(await index.search('zyxwv', { limit: 1000 })), scan('zyxwv'))
  t.alike(seqs(await index.search('zy more', { limit: 1000 })), scan('zy'))
  t.is(scan('zyxw1').length, 222)
})

test('edits re-index a message (the old text stops matching), deletes remove it', async (t) => {
  const feed = await writer(t)
  await feed.append([chat('al', 'teh quick fox', T0), chat('al', 'secret plans', T0 + 1), chat('al', 'keep me', T0 + 2)])
  await feed.append([editEntry(0, 'the quick fox'), deleteEntry(1), reactionEntry(2, '👍'), replyEntry('al', 'a quick reply', 0, T0 + 3)])
  // references that resolver.ts ignores are ignored here too
  await feed.append([editEntry(1, 'secret again'), editEntry(99, 'nothing there'), editEntry(4, 'an edit is not a message')])
  const index = await openIndex(t, await t.tmp(), { identity: feed.key.toString('hex') })
  const updater = new SearchUpdater(index, feedSource(feed))
  t.teardown(() => updater.close())
  await updater.update()
  t.alike(seqs(await index.search('teh')), [], 'the old text no longer matches')
  t.alike(seqs(await index.search('the quick')), [0])
  t.alike(seqs(await index.search('quick')), [6, 0])
  t.alike(seqs(await index.search('secret')), [], 'a deleted message is gone, and an edit cannot bring it back')
  t.alike(seqs(await index.search('plans')), [])
  t.alike(seqs(await index.search('nothing')), [])
  t.alike(seqs(await index.search('keep')), [2])
})

test('a room\'s index: authors, and only an author edits (an admin may delete)', async (t) => {
  const room = (items: [string, number, Entry][]): IndexInput[] => items.map(([author, authorSeq, value], seq) => ({ seq, author, authorSeq, value }))
  const index = await openIndex(t, await t.tmp(), { room: true, isAdmin: (a) => a === A })
  await index.add(room([
    [A, 0, chat('alice', 'alpha one', T0)],
    [B, 0, chat('bob', 'alpha two', T0 + 1)],
    [B, 1, editEntry({ author: A, authorSeq: 0 }, 'hijacked')],
    [B, 2, deleteEntry({ author: A, authorSeq: 0 })],
    [A, 1, editEntry(0, 'a feed reference in a room')],
    [B, 3, chat('bob', 'beta', T0 + 2)],
    [A, 2, deleteEntry({ author: B, authorSeq: 3 })]
  ]))
  t.alike(seqs(await index.search('alpha')), [1, 0], 'another member\'s edit and delete are ignored')
  t.alike(seqs(await index.search('hijacked')), [])
  t.alike(seqs(await index.search('beta')), [], 'the admin\'s delete counts')
  t.alike(await index.search('alpha', { authors: [B] }), [{ seq: 1, author: B, authorSeq: 0, time: T0 + 1 }])
})

test('a room\'s order rewritten from some point: those entries are indexed again where they now are', async (t) => {
  const index = await openIndex(t, await t.tmp(), { room: true })
  await index.add([
    { seq: 0, author: A, authorSeq: 0, value: chat('alice', 'first', T0) },
    { seq: 1, author: A, authorSeq: 1, value: chat('alice', 'second words', T0 + 1) },
    { seq: 2, author: B, authorSeq: 0, value: chat('bob', 'third words', T0 + 2) },
    { seq: 3, author: A, authorSeq: 2, value: deleteEntry({ author: A, authorSeq: 1 }) }
  ])
  t.alike(seqs(await index.search('words')), [2])
  // bob's entry now sorts before alice's second; her delete is still after it
  await index.truncate(1)
  t.is(index.length, 1)
  t.alike(seqs(await index.search('words')), [], 'entries from the rewritten point are gone until added again')
  await index.add([
    { seq: 1, author: B, authorSeq: 0, value: chat('bob', 'third words', T0 + 2) },
    { seq: 2, author: A, authorSeq: 1, value: chat('alice', 'second words', T0 + 1) }
  ])
  t.alike(seqs(await index.search('second')), [], 'a deleted message is not indexed again, even before its delete comes again')
  await index.add([
    { seq: 3, author: A, authorSeq: 2, value: deleteEntry({ author: A, authorSeq: 1 }) },
    { seq: 4, author: B, authorSeq: 1, value: chat('bob', 'more words', T0 + 3) }
  ])
  t.alike(seqs(await index.search('words')), [4, 1])
  t.alike(seqs(await index.search('first')), [0])
  await t.exception(index.add([{ seq: 9, author: A, authorSeq: 3, value: chat('a', 'gap', 1) }]), /entry 9 added at 5/)
})

test('the index lives on disk: reopened it goes on from where it was; missing or foreign, it is rebuilt', async (t) => {
  const feed = await writer(t)
  await feed.append(Array.from({ length: 300 }, (_, i) => chat('al', `entry ${i} ${i % 3 === 0 ? 'fizz' : 'buzz'}`, T0 + i)))
  const dir = path.join(await t.tmp(), 'index')
  const identity = feed.key.toString('hex')
  const first = new SearchIndex(dir, { identity })
  const updater = new SearchUpdater(first, feedSource(feed), { batch: 64 })
  await updater.update()
  const before = await first.search('fizz', { limit: 1000 })
  t.is(before.length, 100)
  await updater.close()
  await first.close()

  await feed.append(chat('al', 'fizz late', T0 + 1000))
  const again = await openIndex(t, dir, { identity })
  t.is(again.length, 300, 'kept what it had indexed')
  const updater2 = new SearchUpdater(again, feedSource(feed))
  t.teardown(() => updater2.close())
  await updater2.update()
  t.alike(seqs(await again.search('fizz', { limit: 1000 })), [300, ...seqs(before)])
  await updater2.close()
  await again.close()

  // another feed's index in that directory is replaced, not mixed in
  const foreign = await openIndex(t, dir, { identity: 'ee'.repeat(32) })
  t.is(foreign.length, 0)
  t.alike(await foreign.search('fizz'), [])
  await foreign.close()

  fs.rmSync(dir, { recursive: true })
  const rebuilt = await openIndex(t, dir, { identity })
  t.is(rebuilt.length, 0, 'a missing index starts from nothing')
  const updater3 = new SearchUpdater(rebuilt, feedSource(feed))
  t.teardown(() => updater3.close())
  await updater3.update()
  t.alike(seqs(await rebuilt.search('fizz', { limit: 1000 })), [300, ...seqs(before)])
})

test('the index never moves into a folder of other files', async (t) => {
  const dir = await t.tmp()
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine')
  const index = new SearchIndex(dir, { identity: 'ff'.repeat(32) })
  await t.exception(index.ready(), /refusing to use .* as storage: it is not empty/)
  t.alike(fs.readdirSync(dir), ['notes.txt'])
  await t.exception(new SearchIndex(path.join(dir, 'none'), { identity: 'ff'.repeat(32), readOnly: true }).ready(), /no hyperfeed storage at/)
})

test('one process writes an index; another reads it without writing, or is told it is in use', async (t) => {
  const dir = await t.tmp()
  const owner = await openIndex(t, dir)
  await owner.add([{ seq: 0, value: chat('al', 'shared words', T0) }])
  const second = new SearchIndex(dir, { identity: 'ff'.repeat(32) })
  await t.exception(second.ready(), /in use by another hyperfeed process/)
  const reader = await openIndex(t, dir, { readOnly: true })
  t.alike(seqs(await reader.search('shared')), [0])
  await t.exception(reader.add([{ seq: 1, value: chat('al', 'no', T0) }]), /in use/)
})

test('a room\'s index follows the room as members post, edit and delete', { timeout: 60_000 }, async (t) => {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const room = await Room.create(store, { nick: 'alice' })
  t.teardown(() => room.close())
  const me = room.writerKey.toString('hex')
  const index = await openIndex(t, await t.tmp(), { room: true, identity: room.key.toString('hex') })
  const updater = new SearchUpdater(index, roomSource(room))
  t.teardown(() => updater.close())
  const { seq } = await room.append([chat('alice', 'Grüße aus Berlin', T0)])
  await room.append([chat('alice', 'second thoughts', T0 + 1)])
  await room.append([editEntry({ author: me, authorSeq: seq }, 'Grüße aus Hamburg')])
  await room.base.update()
  await updater.update()
  t.is((await index.search('grusse hamb')).length, 1, 'ß is found as ss')
  const found = await index.search('GRÜSSE hamb')
  t.is(found.length, 1)
  t.is(found[0]?.author, me)
  t.is(found[0]?.authorSeq, seq)
  t.alike(await index.search('berlin'), [], 'the edit replaced the old words')
})
