import test from 'brittle'
import { chat } from '../src/entries.js'
import { deleteEntry, editEntry, reactionEntry, replyEntry } from '../src/messages/entry-types.js'
import { formatMessageHuman, formatUpdateHuman, numbered } from '../src/messages/render.js'
import { Resolver } from '../src/messages/resolver.js'

// local time on the clock: the entries' times are built from a local date
const at = (s: number) => new Date(2024, 4, 1, 10, 0, s).getTime()
const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)

test('the human view: numbers, (edited), (deleted), reactions on the line, a reply quoting its target', async (t) => {
  const r = new Resolver()
  const updates = await r.push([
    { seq: 0, value: chat('alice', 'helo there, this is a rather long first message to quote', at(1)) },
    { seq: 1, value: editEntry(0, 'hello there, this is a rather long first message to quote', at(2)) },
    { seq: 2, value: reactionEntry(0, '👍', { time: at(3) }) },
    { seq: 3, value: reactionEntry(0, '❤', { time: at(4) }) },
    { seq: 4, value: replyEntry('alice', 'and a reply', 0, at(5)) },
    { seq: 5, value: chat('alice', 'oops', at(6)) },
    { seq: 6, value: deleteEntry(5, at(7)) },
    { seq: 7, value: editEntry(5, 'too late', at(8)) },
    { seq: 8, value: { type: 'note', n: 1 } }
  ])
  t.alike(updates.map(u => formatUpdateHuman(u)), [
    '(0) [10:00:01] alice: helo there, this is a rather long first message to quote',
    '(0) [10:00:01] alice: hello there, this is a rather long first message to quote (edited)',
    '(0) [10:00:01] alice: hello there, this is a rather long first message to quote (edited)  👍 1',
    '(0) [10:00:01] alice: hello there, this is a rather long first message to quote (edited)  👍 1  ❤ 1',
    '(4) [10:00:05] alice: ↪ (0) alice "hello there, this is a rather long first…" · and a reply',
    '(5) [10:00:06] alice: oops',
    '(5) [10:00:06] alice: (deleted)',
    '(7) ! edit ignored: deleted',
    null
  ])
  t.is(numbered(8, '{"type":"note","n":1}'), '(8) {"type":"note","n":1}')
})

test('the human view escapes what could drive the terminal, in texts, nicks, quotes and reactions', async (t) => {
  const r = new Resolver({ room: true })
  const [first, reply] = await r.push([
    { seq: 0, author: A, authorSeq: 0, value: chat('e\u001b[31mvil', 'red\u001b[0m\nline', at(1)) },
    { seq: 1, author: B, authorSeq: 0, value: replyEntry('bob', 'ok', { author: A, authorSeq: 0 }, at(2)) }
  ])
  const names = (author: string | null, nick: string) => `${nick.replace(/\u001b/g, '^')}~${author?.slice(0, 2) ?? '?'}`
  t.is(formatUpdateHuman(first!, names), '(0) [10:00:01] e^[31mvil~aa: red\\u001b[0m\\nline')
  t.is(formatUpdateHuman(reply!, names), '(1) [10:00:02] bob~bb: ↪ (0) e^[31mvil~aa "red\\u001b[0m line" · ok')
})

test('an admin\'s delete and a reply to nothing say so', async (t) => {
  const r = new Resolver({ room: true, isAdmin: a => a === A })
  const updates = await r.push([
    { seq: 0, author: B, authorSeq: 0, value: chat('bob', 'spam', at(1)) },
    { seq: 1, author: A, authorSeq: 0, value: deleteEntry({ author: B, authorSeq: 0 }, at(2)) },
    { seq: 2, author: B, authorSeq: 1, value: replyEntry('bob', 'to what?', { author: A, authorSeq: 7 }, at(3)) },
    { seq: 3, author: B, authorSeq: 2, value: replyEntry('bob', 'to the spam', { author: B, authorSeq: 0 }, at(4)) }
  ])
  t.is(formatUpdateHuman(updates[1]!), '(0) [10:00:01] bob: (deleted by an admin)')
  t.is(formatUpdateHuman(updates[2]!), '(2) [10:00:03] bob: ↪ aaaaaa:7 (no such entry) · to what?')
  t.is(formatUpdateHuman(updates[3]!), '(3) [10:00:04] bob: ↪ (0) (deleted) · to the spam')
  const m = await r.get({ author: B, authorSeq: 2 })
  t.is(m === null ? null : formatMessageHuman(m), '(3) [10:00:04] bob: ↪ (0) (deleted) · to the spam')
})
