import test from 'brittle'
import { chat, encodeEntry, isChat } from '../src/entries.js'
import { HyperfeedError } from '../src/errors.js'
import { MAX_REACTION_BYTES, deleteEntry, editEntry, messageProblem, reactionEntry, reactionProblem, replyEntry } from '../src/messages/entry-types.js'
import { formatRef, refProblem, refTo } from '../src/messages/refs.js'

const AUTHOR = 'ab'.repeat(32)

test('references: an entry number in a feed, {author, authorSeq} in a room; anything else is malformed', (t) => {
  t.is(refProblem(0), null)
  t.is(refProblem(12), null)
  t.is(refProblem({ author: AUTHOR, authorSeq: 3 }), null)
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '3', null, [], [1], {}, { author: AUTHOR }, { authorSeq: 1 },
    { author: AUTHOR.toUpperCase(), authorSeq: 1 }, { author: 'ab', authorSeq: 1 }, { author: AUTHOR, authorSeq: -1 },
    { author: AUTHOR, authorSeq: 1, extra: 1 }, { author: AUTHOR, authorSeq: '1' }]) {
    t.ok(refProblem(bad) !== null, `refuses ${JSON.stringify(bad)}`)
  }
  t.is(refTo({ seq: 4 }), 4)
  t.alike(refTo({ seq: 9, author: AUTHOR, authorSeq: 2 }), { author: AUTHOR, authorSeq: 2 })
  t.is(formatRef(7), '7')
  t.is(formatRef({ author: AUTHOR, authorSeq: 2 }), 'ababab:2')
})

test('edits, deletes, reactions and replies are written in one fixed shape', (t) => {
  t.is(encodeEntry(editEntry(3, 'fixed', 1)).toString(), '{"type":"edit","ref":3,"text":"fixed","time":1}')
  t.is(encodeEntry(deleteEntry({ author: AUTHOR, authorSeq: 0 }, 2)).toString(), `{"type":"delete","ref":{"author":"${AUTHOR}","authorSeq":0},"time":2}`)
  t.is(encodeEntry(reactionEntry(3, '👍', { time: 3 })).toString(), '{"type":"reaction","ref":3,"reaction":"👍","time":3}')
  t.is(encodeEntry(reactionEntry(3, '👍', { remove: true, time: 4 })).toString(), '{"type":"reaction","ref":3,"reaction":"👍","remove":true,"time":4}')
  t.is(encodeEntry(replyEntry('bob', 'sure', 3, 5)).toString(), '{"type":"chat","nick":"bob","text":"sure","time":5,"replyTo":3}')
  t.ok(isChat(replyEntry('bob', 'sure', 3, 5)), 'a reply is a chat entry')
  t.ok(isChat(chat('a', 'b', 1)))
  // time may be left out of edits, deletes and reactions (not of chat entries)
  t.execution(() => encodeEntry({ type: 'edit', ref: 0, text: '' }))
  t.execution(() => encodeEntry({ type: 'delete', ref: 0 }))
})

test('a malformed edit, delete, reaction or reply is refused when appended, with one clear reason', (t) => {
  const cases: [unknown, RegExp][] = [
    [{ type: 'edit', ref: 1 }, /an edit entry is .* it has no text/],
    [{ type: 'edit', text: 'x' }, /it has no ref/],
    [{ type: 'edit', ref: 1, text: 2 }, /text is a string/],
    [{ type: 'edit', ref: -1, text: 'x' }, /ref is malformed: a feed reference is an entry number/],
    [{ type: 'edit', ref: '1', text: 'x' }, /ref is malformed/],
    [{ type: 'edit', ref: 1, text: 'x', nick: 'a' }, /"nick" is not one of its keys/],
    [{ type: 'delete', ref: { author: 'xyz', authorSeq: 1 } }, /a delete entry's ref is malformed: a room reference is/],
    [{ type: 'delete', ref: 1, time: -5 }, /time is an integer number of milliseconds/],
    [{ type: 'delete', ref: 1, time: 1.5 }, /time is an integer/],
    [{ type: 'reaction', ref: 1 }, /it has no reaction/],
    [{ type: 'reaction', ref: 1, reaction: '' }, /non-empty string/],
    [{ type: 'reaction', ref: 1, reaction: 'two words' }, /without spaces/],
    [{ type: 'reaction', ref: 1, reaction: 'a\u202eb' }, /without spaces or control/],
    [{ type: 'reaction', ref: 1, reaction: 'a\nb' }, /without spaces or control/],
    [{ type: 'reaction', ref: 1, reaction: 'x'.repeat(MAX_REACTION_BYTES + 1) }, /at most 32 bytes/],
    [{ type: 'reaction', ref: 1, reaction: '👍', remove: false }, /remove is true or absent/],
    [{ type: 'chat', nick: 'a', text: 'b', time: 1, replyTo: 'x' }, /replyTo must be a reference/],
    [{ type: 'chat', nick: 'a', text: 'b', time: 1, replyTo: { author: AUTHOR } }, /replyTo must be a reference/]
  ]
  for (const [value, reason] of cases) {
    let err: unknown = null
    try { encodeEntry(value) } catch (e) { err = e }
    t.ok(err instanceof HyperfeedError && err.code === 'INVALID_ENTRY' && reason.test(err.message) && err.message.startsWith('entry refused: '), `${JSON.stringify(value)}: ${String(err)}`)
  }
})

test('reactions: one word or emoji cluster of at most 32 bytes', (t) => {
  for (const ok of ['👍', '❤️', '👨‍👩‍👧', '👍🏽', '+1', 'ack', 'très', 'x'.repeat(MAX_REACTION_BYTES)]) t.is(reactionProblem(ok), null, ok)
  for (const bad of ['', ' ', 'a b', '\u0000', '\u00a0', 'a\u200bb', '\ud83d', 7, null]) t.ok(reactionProblem(bad) !== null, JSON.stringify(bad))
  t.is(messageProblem({ type: 'note', ref: 'anything' }), null, 'other types are not checked')
})
