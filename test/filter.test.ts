import test from 'brittle'
import { chat } from '../src/entries.js'
import { HyperfeedError } from '../src/errors.js'
import { filterFromUrl, isFiltering, matchesEntry, matchesMessage, parseFilter } from '../src/filter.js'
import { toZ32 } from '../src/keys.js'
import type { ResolvedMessage } from '../src/messages/resolved.js'
import { parseTime } from '../src/time-spec.js'

const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const NOW = Date.UTC(2024, 4, 10, 12, 0, 0)

function usageError (t: test.Assert, fn: () => unknown, pattern: RegExp) {
  let err: unknown = null
  try { fn() } catch (e) { err = e }
  t.ok(err instanceof HyperfeedError && err.code === 'USAGE' && err.exitCode === 2 && err.status === 400 && pattern.test(err.message), String(err))
}

test('times: ISO dates and times (local unless an offset is given), times ago, now, epoch milliseconds', (t) => {
  t.is(parseTime('2h', NOW), NOW - 2 * 3600_000)
  t.is(parseTime('7d', NOW), NOW - 7 * 86_400_000)
  t.is(parseTime('30s', NOW), NOW - 30_000)
  t.is(parseTime('15m', NOW), NOW - 15 * 60_000)
  t.is(parseTime('2w', NOW), NOW - 14 * 86_400_000)
  t.is(parseTime('now', NOW), NOW)
  t.is(parseTime('2024-05-01'), new Date(2024, 4, 1).getTime(), 'a date: its local midnight')
  // (in a zone other than UTC, local and UTC differ)
  const zone = process.env.TZ
  process.env.TZ = 'Asia/Kolkata'
  t.teardown(() => { if (zone === undefined) delete process.env.TZ; else process.env.TZ = zone })
  t.is(parseTime('2024-05-01'), Date.UTC(2024, 3, 30, 18, 30), 'local midnight in Kolkata')
  t.is(parseTime('2024-05-01T10:00Z'), Date.UTC(2024, 4, 1, 10), 'Z is UTC wherever it is read')
  t.is(parseTime('2024-05-01T14:30'), new Date(2024, 4, 1, 14, 30).getTime())
  t.is(parseTime('2024-05-01 14:30:05.5'), new Date(2024, 4, 1, 14, 30, 5, 500).getTime())
  t.is(parseTime('2024-05-01T14:30:00Z'), Date.UTC(2024, 4, 1, 14, 30))
  t.is(parseTime('2024-05-01T14:30:00+02:00'), Date.UTC(2024, 4, 1, 12, 30))
  t.is(parseTime('2024-05-01T14:30-0130'), Date.UTC(2024, 4, 1, 16, 0))
  t.is(parseTime('1714570000000'), 1714570000000)
  for (const bad of ['', 'yesterday', '2h ago', '-2h', '2y', '2024-02-30', '2024-13-01', '2024-05-01T24:00', '2024-5-1', '123', '2024-02-30T00:00Z', '1.5h']) {
    t.is(parseTime(bad, NOW), null, JSON.stringify(bad))
  }
})

test('flags and URL parameters give one filter, with one clear line for a bad value', (t) => {
  const f = parseFilter({ author: [A, toZ32(Buffer.from(B, 'hex'))], type: ['chat', 'note'], since: '2h', until: 'now', grep: ['Café', 'NOON'], limit: '50' }, { now: NOW })
  t.alike(f, { authors: [A, B], types: ['chat', 'note'], since: NOW - 7200_000, until: NOW, grep: ['cafe', 'noon'], limit: 50 })
  t.ok(isFiltering(f))
  t.absent(isFiltering(parseFilter({})))
  const u = filterFromUrl(new URLSearchParams(`author=${A}&author=${B}&type=chat&since=2024-05-01&q=hello&q=World&limit=10`), { now: NOW })
  t.alike(u, { authors: [A, B], types: ['chat'], since: new Date(2024, 4, 1).getTime(), until: null, grep: ['hello', 'world'], limit: 10 })

  usageError(t, () => parseFilter({ author: ['alice'] }), /^--author takes an author's key/)
  usageError(t, () => parseFilter({ since: 'yesterday' }), /^--since takes an ISO date or time .* not "yesterday"/)
  usageError(t, () => parseFilter({ since: '1h', until: '2h' }, { now: NOW }), /--until must be after --since/)
  usageError(t, () => parseFilter({ grep: ['  '] }), /--grep takes some text/)
  usageError(t, () => parseFilter({ type: [''] }), /--type takes an entry type/)
  usageError(t, () => filterFromUrl(new URLSearchParams('limit=0')), /^the limit parameter takes a whole number from 1 to 1000/)
  usageError(t, () => filterFromUrl(new URLSearchParams('limit=1e3')), /limit parameter/)
  usageError(t, () => filterFromUrl(new URLSearchParams('until=soon')), /^the until parameter takes/)
  usageError(t, () => filterFromUrl(new URLSearchParams('author=x')), /^the author parameter takes/)
})

test('the predicate: authors and types any of, words all of (case and accents aside), times in range', (t) => {
  const f = parseFilter({ author: [A], since: '2024-05-01T00:00Z', until: '2024-05-02T00:00Z', grep: ['cafe'] })
  const at = Date.UTC(2024, 4, 1, 9)
  t.ok(matchesEntry(f, { seq: 0, author: A, value: chat('al', 'Le CAFÉ ouvre', at) }))
  t.absent(matchesEntry(f, { seq: 0, author: B, value: chat('bo', 'Le café ouvre', at) }), 'another author')
  t.absent(matchesEntry(f, { seq: 0, author: A, value: chat('al', 'Le café ouvre', Date.UTC(2024, 4, 2)) }), 'until is exclusive')
  t.ok(matchesEntry(f, { seq: 0, author: A, value: chat('al', 'cafe', Date.UTC(2024, 4, 1)) }), 'since is inclusive')
  t.absent(matchesEntry(f, { seq: 0, author: A, value: chat('al', 'tea', at) }), 'without the text')
  t.absent(matchesEntry(f, { seq: 0, author: A, value: { type: 'note', text: 'cafe' } }), 'an entry without a time never passes a time filter')
  t.ok(matchesEntry(parseFilter({ grep: ['kitchen'] }), { seq: 0, value: { type: 'reading', sensor: 'Kitchen' } }), 'any entry\'s strings are its text')
  t.ok(matchesEntry(parseFilter({ type: ['note', 'chat'] }), { seq: 0, value: { type: 'note' } }))
  t.absent(matchesEntry(parseFilter({ type: ['note'] }), { seq: 0, value: chat('a', 'b', 1) }))
  // a feed's entries are its writer's
  t.ok(matchesEntry(parseFilter({ author: [A] }), { seq: 0, value: chat('a', 'b', 1) }, A))
  t.absent(matchesEntry(parseFilter({ author: [A] }), { seq: 0, value: chat('a', 'b', 1) }, B))
  t.absent(matchesEntry(parseFilter({ author: [A] }), { seq: 0, value: chat('a', 'b', 1) }), 'no author known: no match')
  // unreadable entries pass an author filter only
  t.ok(matchesEntry(parseFilter({ author: [A] }), { seq: 0, author: A, unreadable: 'not JSON' }))
  t.absent(matchesEntry(parseFilter({ type: ['chat'] }), { seq: 0, author: A, unreadable: 'not JSON' }))
  t.ok(matchesEntry(parseFilter({}), { seq: 0, unreadable: 'not JSON' }))
  // the grep of two words is two needles, each anywhere
  t.ok(matchesEntry(parseFilter({ grep: ['ouvre', 'le'] }), { seq: 0, value: chat('a', 'Le café ouvre', 1) }))
})

test('a message in its current state: --grep looks in the latest text; a deleted message has none', (t) => {
  const m: ResolvedMessage = { seq: 3, author: A, authorSeq: 1, nick: 'al', time: 1000, text: 'fixed typo', edited: true, deleted: false, deletedBy: null, reactions: [], replyTo: null }
  t.ok(matchesMessage(parseFilter({ grep: ['FIXED'] }), m))
  t.absent(matchesMessage(parseFilter({ grep: ['teh'] }), m))
  t.absent(matchesMessage(parseFilter({ grep: ['fixed'] }), { ...m, text: null, deleted: true, deletedBy: 'author' }))
  t.ok(matchesMessage(parseFilter({ type: ['chat'], author: [A] }), m))
  t.absent(matchesMessage(parseFilter({ type: ['note'] }), m))
  t.absent(matchesMessage(parseFilter({ since: '1970-01-01T00:00:02Z' }), m))
  t.ok(matchesMessage(parseFilter({ author: [B] }), { ...m, author: null, authorSeq: null }, B), 'a feed message is its writer\'s')
})
