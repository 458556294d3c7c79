import test from 'brittle'
import { MAX_ENTRY_BYTES, chat, decodeEntry, encodeEntry, escapeTerminal, formatHuman, formatJson, parseEntryJson } from '../src/index.js'

test('a chat entry is exactly type, nick, text and time, stored as its JSON', (t) => {
  const entry = chat('alice', 'hi', 1700000000000)
  t.alike(Object.keys(entry).sort(), ['nick', 'text', 'time', 'type'])
  t.is(encodeEntry(entry).toString(), '{"type":"chat","nick":"alice","text":"hi","time":1700000000000}')
})

test('any object with a string type is an entry; anything else is refused', (t) => {
  t.is(encodeEntry({ type: 'note', deep: { a: [1, 2] } }).toString(), '{"type":"note","deep":{"a":[1,2]}}')
  for (const bad of [null, 42, 'text', [1], { type: 7 }, {}, { nick: 'x' }]) {
    t.exception(() => encodeEntry(bad), /entry refused/, `refuses ${JSON.stringify(bad)}`)
  }
  t.exception(() => encodeEntry({ type: 'chat', nick: 'a', text: 'b' }), /chat/, 'a chat entry without time')
  t.exception(() => encodeEntry({ type: 'chat', nick: 'a', text: 'b', time: 1, extra: 1 }), /chat/, 'a chat entry with an extra key')
  t.exception(() => encodeEntry({ type: 'chat', nick: 'a', text: 'b', time: 1.5 }), /chat/, 'a chat entry with a fractional time')
})

test('entries up to exactly 1 MiB of JSON are allowed, one byte more is refused', (t) => {
  const overhead = Buffer.byteLength(JSON.stringify({ type: 'x', s: '' }))
  const exact = { type: 'x', s: 'a'.repeat(MAX_ENTRY_BYTES - overhead) }
  t.is(encodeEntry(exact).byteLength, MAX_ENTRY_BYTES)
  const over = { type: 'x', s: 'a'.repeat(MAX_ENTRY_BYTES - overhead + 1) }
  t.exception(() => encodeEntry(over), /over the 1048576-byte limit/)
  // multi-byte characters count as their UTF-8 bytes
  const euro = { type: 'x', s: '€'.repeat(Math.ceil((MAX_ENTRY_BYTES - overhead) / 3) + 1) }
  t.exception(() => encodeEntry(euro), /over the 1048576-byte limit/)
})

test('JSON lines are parsed with a clear reason when they are not entries', (t) => {
  t.alike(parseEntryJson('{"type":"note","n":1}'), { type: 'note', n: 1 })
  t.exception(() => parseEntryJson('{"type":'), /not valid JSON/)
  t.exception(() => parseEntryJson('[1,2]'), /JSON object/)
  t.exception(() => parseEntryJson('{"n":1}'), /string "type"/)
})

test('blocks from other programs decode to entries or to the reason they are unreadable', (t) => {
  t.alike(decodeEntry(3, Buffer.from('{"type":"note"}')), { seq: 3, value: { type: 'note' }, raw: '{"type":"note"}' })
  t.alike(decodeEntry(4, Buffer.from([0xff, 0xfe, 0x00])), { seq: 4, unreadable: 'not UTF-8 text' })
  t.alike(decodeEntry(5, Buffer.from('hello')), { seq: 5, unreadable: 'not JSON' })
  t.alike(decodeEntry(6, Buffer.from('[1]')), { seq: 6, unreadable: 'JSON an array, not an object' })
  t.alike(decodeEntry(7, Buffer.from('"str"')), { seq: 7, unreadable: 'JSON a string, not an object' })
  t.alike(decodeEntry(8, Buffer.from('{"type":1}')), { seq: 8, unreadable: 'object without a string "type"' })
  t.is(formatJson(decodeEntry(5, Buffer.from('hello'))), '{"seq":5,"error":"not JSON"}')
  t.is(formatHuman(decodeEntry(5, Buffer.from('hello'))), '! #5 unreadable: not JSON')
})

test('human form: chat as [HH:MM:SS] nick: text, other entries as compact JSON', (t) => {
  const time = new Date(2024, 0, 2, 3, 4, 5).getTime()
  t.is(formatHuman({ seq: 0, value: chat('bob', 'hello there', time) }), '[03:04:05] bob: hello there')
  t.is(formatHuman({ seq: 1, value: { type: 'note', n: [1, 2] } }), '{"type":"note","n":[1,2]}')
  t.is(formatJson({ seq: 1, value: { type: 'note' } }), '{"seq":1,"value":{"type":"note"}}')
})

test('control characters in foreign text are shown, never sent to the terminal', (t) => {
  const evil = chat('m\x1b[31mallory', 'line1\nline2\r\x07\u202ereversed\x9b', 0)
  const out = formatHuman({ seq: 0, value: evil })
  t.absent(/[\x00-\x1f\x7f-\x9f\u202e]/.test(out), 'no raw control characters')
  t.ok(out.includes('m\\u001b[31mallory'))
  t.ok(out.includes('line1\\nline2\\r\\u0007\\u202ereversed\\u009b'))
  t.is(out.split('\n').length, 1)
  t.is(escapeTerminal('plain ünïcode ✓'), 'plain ünïcode ✓')
  const json = formatHuman({ seq: 0, value: { type: 'x', s: '\x7f\u2028' } })
  t.absent(/[\x7f\u2028]/.test(json))
})

test('an entry nested too deeply to print is reported, not thrown', (t) => {
  const deep = '{"type":"x","v":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}'
  const r = decodeEntry(9, Buffer.from(deep))
  t.ok(formatJson(r).includes('"seq":9'))
  t.ok(formatHuman(r).length > 0)
})
