import test from 'brittle'
import { type Entry, chat } from '../src/entries.js'
import { HyperfeedError } from '../src/errors.js'
import { ExportReader, type ImportEntry, exportLine, parseExport } from '../src/export/lines.js'
import { planRoomImport } from '../src/export/room-import.js'
import { Feed } from '../src/feed/feed.js'
import { deleteEntry, editEntry, reactionEntry, replyEntry } from '../src/messages/entry-types.js'
import { formatResolvedJson } from '../src/messages/resolved.js'
import { Resolver } from '../src/messages/resolver.js'
import { Store } from '../src/storage.js'

const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const C = 'cc'.repeat(32)

async function writer (t: test.Assert, name = 'export', pack = false) {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const feed = await Feed.openWriter(store, name, { pack: pack ? {} : null })
  t.teardown(() => feed.close())
  return feed
}

// Blocks another program wrote to the feed's core (not through Feed.append),
// and the feed opened again so that it counts them.
async function rawAppend (t: test.Assert, feed: Feed, blocks: Buffer[]) {
  await feed.core.append(blocks)
  await feed.close()
  const again = await Feed.openWriter(feed.store, feed.name!)
  t.teardown(() => again.close())
  return again
}

const exportFeed = async (feed: Feed) => (await feed.read(0, feed.length)).map(r => exportLine(r)).join('\n') + '\n'

function refusal (t: test.Assert, text: string, line: number, pattern: RegExp) {
  let err: unknown = null
  try { parseExport(text) } catch (e) { err = e }
  const ok = err instanceof HyperfeedError && err.code === 'BAD_IMPORT' && err.message.startsWith(`import refused (nothing was imported): line ${line}: `) && pattern.test(err.message)
  t.ok(ok, `line ${line} ${pattern}: ${String(err)}`)
}

test('a feed exported, imported into a new feed and exported again gives the same bytes', async (t) => {
  const written = await writer(t)
  await written.append([chat('al', 'héllo 👋 "quoted" \\ back', 1), replyEntry('al', 'a reply', 0, 2), editEntry(0, 'hello'), reactionEntry(0, '👍')])
  await written.append({ type: 'note', deep: { list: [1, 2.5, -0, 1e21, null, true], s: '\u2028' } })
  await written.append({ type: 'big', s: 'x'.repeat(5000) })
  // another program's formatting is kept as it was written
  const feed = await rawAppend(t, written, [Buffer.from('{ "type" : "spaced",  "n": 1.50 }')])
  const first = await exportFeed(feed)
  t.ok(first.includes('{"seq":6,"value":{ "type" : "spaced",  "n": 1.50 }}'), 'the stored bytes are exported as they are')

  const parsed = parseExport(first)
  t.is(parsed.room, false)
  t.is(parsed.entries.length, 7)
  t.alike(parsed.entries[6]!.value, { type: 'spaced', n: 1.5 })
  const copy = await writer(t, 'copy')
  await copy.append(parsed.entries.map(e => e.value), parsed.entries.map(e => e.block))
  t.is(await exportFeed(copy), first, 'byte-identical')

  // into a packed feed: the same entries; a packed block holds its entries as
  // JSON of its own, so another program's spacing becomes plain JSON there
  const packed = await writer(t, 'packed', true)
  await packed.append(parsed.entries.map(e => e.value), parsed.entries.map(e => e.block))
  t.ok(packed.blocks < packed.length, 'the copy is packed')
  const fromPacked = await exportFeed(packed)
  t.is(fromPacked, first.replace('{ "type" : "spaced",  "n": 1.50 }', '{"type":"spaced","n":1.5}'))
  const again = parseExport(fromPacked)
  const packedCopy = await writer(t, 'packed-copy', true)
  await packedCopy.append(again.entries.map(e => e.value), again.entries.map(e => e.block))
  t.is(await exportFeed(packedCopy), fromPacked, 'and from there on, byte-identical')
})

test('an entry that could not be read is exported as such, and refuses the import with its line', async (t) => {
  const written = await writer(t)
  await written.append(chat('al', 'fine', 1))
  const feed = await rawAppend(t, written, [Buffer.from([0xff, 0x00])])
  const text = await exportFeed(feed)
  t.is(text.split('\n')[1], '{"seq":1,"error":"not UTF-8 text"}')
  refusal(t, text, 2, /entry 1 could not be read when it was exported \(not UTF-8 text\): it cannot be imported/)
})

test('the reader is strict: the first line that is not the next entry stops it, with its number', (t) => {
  const ok = '{"seq":0,"value":{"type":"note"}}\n'
  refusal(t, '', 1, /the export is empty/)
  refusal(t, ok + 'nope\n', 2, /not JSON/)
  refusal(t, ok + '[1]\n', 2, /not a JSON object/)
  refusal(t, ok + '\n' + '{"seq":1,"value":{"type":"note"}}\n', 2, /an empty line/)
  refusal(t, '{"seq":1,"value":{"type":"note"}}\n', 1, /seq is 1, expected 0/)
  refusal(t, ok + '{"seq":2,"value":{"type":"note"}}\n', 2, /seq is 2, expected 1/)
  refusal(t, ok + '{"seq":"1","value":{"type":"note"}}\n', 2, /seq is "1"/)
  refusal(t, ok + '{"seq":1,"value":{"type":"note"},"extra":1}\n', 2, /"extra" is not a key/)
  refusal(t, ok + '{"seq":1}\n', 2, /no value/)
  refusal(t, ok + '{"seq":1,"value":[1]}\n', 2, /value is an entry/)
  refusal(t, ok + '{"seq":1,"value":{"type":"chat","nick":"a","text":"b"}}\n', 2, /entry refused: a "chat" entry has exactly the keys/)
  refusal(t, ok + '{"seq":1,"value":{"type":"edit","ref":-1,"text":"b"}}\n', 2, /ref is malformed/)
  refusal(t, ok + '{"seq":1,"value":{"type":"batch","first":0,"entries":[]}}\n', 2, /"batch" is the type of packed blocks/)
  refusal(t, ok + `{"seq":1,"value":{"type":"x","s":"${'a'.repeat(1024 * 1024)}"}}\n`, 2, /over the 1048576-byte limit/)
  refusal(t, ok + `{"seq":1,"author":"${A}","authorSeq":0,"value":{"type":"note"}}\n`, 2, /a room's line .* in a feed's export/)
  refusal(t, '{"seq":0,"nick":"a","time":1,"text":"b","edited":false,"deleted":false}\n', 1, /a --resolved line/)
  refusal(t, `{"seq":0,"author":"${A}","authorSeq":0,"value":{"type":"note"}}\n{"seq":1,"value":{"type":"note"}}\n`, 2, /a feed's line in a room's export/)
  refusal(t, `{"seq":0,"author":"${A.toUpperCase()}","authorSeq":0,"value":{"type":"note"}}\n`, 1, /author is a member's key/)
  refusal(t, `{"seq":0,"author":"${A}","authorSeq":-1,"value":{"type":"note"}}\n`, 1, /authorSeq is an integer from 0/)
  refusal(t, `{"seq":0,"author":"${A}","authorSeq":3,"value":{"type":"note"}}\n{"seq":1,"author":"${A}","authorSeq":3,"value":{"type":"note"}}\n`, 2, /authorSeq 3 of aaaaaaaaaaaa... comes after its 3/)

  const reader = new ExportReader()
  reader.push(ok)
  t.exception(() => reader.push(Buffer.from([0x7b, 0xff, 0x0a])), /line 2: not UTF-8 text/)
})

test('the reader: CRLF and a missing last newline are fine; chunks may split anything; view --json lines import', (t) => {
  const text = '{"seq":0,"value":{"type":"chat","nick":"é","text":"日本語","time":1}}\r\n{"seq":1,"valid":true,"value":{"type":"note"}}\n{"seq":2,"value":{"type":"note"},"ignored":"not the author"}'
  const whole = parseExport(text)
  t.alike(whole.entries.map(e => e.block.toString()), ['{"type":"chat","nick":"é","text":"日本語","time":1}', '{"type":"note"}', '{"type":"note"}'])
  t.alike(whole.entries.map(e => e.line), [1, 2, 3])
  const reader = new ExportReader()
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += 3) reader.push(bytes.subarray(i, i + 3))
  const chunked = reader.end()
  t.alike(chunked.entries.map(e => e.block.toString()), whole.entries.map(e => e.block.toString()), 'split inside characters and lines alike')
  // a key given twice: the value that counts is written anew, not sliced from the line
  const twice = parseExport('{"seq":0,"value":{"type":"a"},"value":{"type":"b"}}\n')
  t.is(twice.entries[0]!.block.toString(), '{"type":"b"}')
})

test('a room\'s export re-posted by one member: references follow, what did not count stays out', async (t) => {
  const items: [string, Entry][] = [
    [A, { type: 'room/create', nick: 'alice', difficulty: 8 }],
    [B, { type: 'room/join', nick: 'bob', invite: 'x', signature: 'y' }],
    [A, chat('alice', 'helo', 1)], // A1
    [B, chat('bob', 'hi alice', 2)], // B1
    [A, editEntry({ author: A, authorSeq: 1 }, 'hello', 3)], // counts
    [B, editEntry({ author: A, authorSeq: 1 }, 'hijack', 4)], // not the author: left out
    [B, reactionEntry({ author: A, authorSeq: 1 }, '👍', { time: 5 })],
    [A, reactionEntry({ author: A, authorSeq: 1 }, '👍', { time: 6 })], // a second 👍: collapses
    [B, replyEntry('bob', 'to your hello', { author: A, authorSeq: 1 }, 7)],
    [A, deleteEntry({ author: B, authorSeq: 1 }, 8)], // the creator may delete
    [B, replyEntry('bob', 'to nothing', { author: C, authorSeq: 9 }, 9)]
  ]
  const counts = new Map<string, number>()
  const entries: ImportEntry[] = items.map(([author, value], seq) => {
    const authorSeq = counts.get(author) ?? 0
    counts.set(author, authorSeq + 1)
    return { line: seq + 1, seq, author, authorSeq, value, block: Buffer.from(JSON.stringify(value)) }
  })
  const plan = await planRoomImport(entries, { importer: C, firstAuthorSeq: 1 })
  t.is(plan.skipped, 4, 'create, join, the foreign edit and the repeated reaction')
  t.alike(plan.values.map(v => v.type), ['chat', 'chat', 'edit', 'reaction', 'chat', 'delete', 'chat'])
  t.alike(plan.values[2]!.ref, { author: C, authorSeq: 1 }, 'the edit names alice\'s message where it lands')
  t.alike(plan.values[4]!.replyTo, { author: C, authorSeq: 1 })
  t.alike(plan.values[5]!.ref, { author: C, authorSeq: 2 })
  t.alike(plan.values[6]!.replyTo, { author: C, authorSeq: 9 }, 'a reference to nothing stays one')

  // the new room, as the importer posts it: the same messages in the same state
  const original = new Resolver({ room: true, isAdmin: a => a === A })
  const asRead = entries.map(e => ({ seq: e.seq, author: e.author!, authorSeq: e.authorSeq!, value: e.value }))
  await original.push(asRead)
  const imported = new Resolver({ room: true, isAdmin: a => a === C })
  const posted = plan.values.map((value, i) => ({ seq: i, author: C, authorSeq: 1 + i, value }))
  await imported.push(posted)
  const state = async (r: Resolver, list: { seq: number, author?: string, authorSeq?: number, value: Entry }[]) => {
    const out = []
    for (const e of list) {
      const m = await r.resolve(e)
      if (m !== null) out.push(JSON.stringify({ text: m.text, nick: m.nick, edited: m.edited, deleted: m.deleted, reactions: m.reactions.map(x => x.reaction), quote: m.replyTo?.quote ?? null, ignored: m.replyTo?.ignored ?? null }))
    }
    return out
  }
  t.alike(await state(imported, posted), await state(original, asRead))
  t.ok(formatResolvedJson((await imported.get({ author: C, authorSeq: 1 }))!).includes('"text":"hello","edited":true'))
})
