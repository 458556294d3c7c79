import { entryTooLarge, invalidEntry } from './errors.js'
import { messageProblem } from './messages/entry-types.js'
import { type EntryRef, refProblem } from './messages/refs.js'

export const MAX_ENTRY_BYTES = 1024 * 1024
export const BATCH_TYPE = 'batch'
const CHAT_KEYS = 4

export interface Entry {
  type: string
  [key: string]: unknown
}

export interface ChatEntry extends Entry {
  type: 'chat'
  nick: string
  text: string
  time: number
  replyTo?: EntryRef
}

export interface ReadableEntry {
  seq: number
  value: Entry
  // as stored, when one line (printed as is)
  raw?: string
  valid?: boolean
  error?: string
}

export interface UnreadableEntry {
  seq: number
  unreadable: string
}

export type EntryResult = ReadableEntry | UnreadableEntry

export function isUnreadable (r: EntryResult): r is UnreadableEntry {
  return 'unreadable' in r
}

export function chat (nick: string, text: string, time = Date.now()): ChatEntry {
  return { type: 'chat', nick, text, time }
}

// JSON.stringify's depth limit depends on the machine's stack; a block's validity must not.
export const MAX_NESTING = 64

// Iterative: the value may be far deeper than the stack.
export function nestedDeeper (value: unknown, max = MAX_NESTING): boolean {
  if (typeof value !== 'object' || value === null) return false
  const stack: [object, number][] = [[value, 1]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (depth > max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}

export function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function isChat (value: Entry): value is ChatEntry {
  if (value.type !== 'chat' || typeof value.nick !== 'string' || typeof value.text !== 'string') return false
  if (!Number.isSafeInteger(value.time) || (value.time as number) < 0) return false
  let keys = 0
  for (const k in value) {
    if (k !== 'type' && k !== 'nick' && k !== 'text' && k !== 'time' && k !== 'replyTo') return false
    keys++
  }
  return keys === CHAT_KEYS || (keys === CHAT_KEYS + 1 && refProblem(value.replyTo) === null)
}

// The exact bytes of its block, or a coded error.
export function encodeEntry (value: unknown): Buffer {
  if (!isObject(value)) throw invalidEntry(`an entry must be a JSON object, not ${describe(value)}`)
  if (typeof value.type !== 'string') throw invalidEntry('an entry needs a string "type" field')
  const problem = messageProblem(value)
  if (problem !== null) throw invalidEntry(problem)
  if (value.type === 'chat' && !isChat(value as Entry)) {
    throw invalidEntry('a "chat" entry has exactly the keys type, nick (string), text (string) and time (integer ms)')
  }
  if (value.type === BATCH_TYPE) throw invalidEntry('"batch" is the type of packed blocks (write --pack); post another type')
  let json: string
  try {
    json = JSON.stringify(value)
  } catch {
    throw invalidEntry('it cannot be written as JSON')
  }
  const block = Buffer.from(json)
  if (block.length > MAX_ENTRY_BYTES) throw entryTooLarge(block.length, MAX_ENTRY_BYTES)
  return block
}

export function parseEntryJson (text: string): Entry {
  // UTF-8 takes at least a byte a character
  if (text.length > MAX_ENTRY_BYTES) throw entryTooLarge(Buffer.byteLength(text), MAX_ENTRY_BYTES)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalidEntry('the line is not valid JSON')
  }
  if (!isObject(value) || typeof value.type !== 'string') encodeEntry(value) // throws the precise reason
  return value as Entry
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const LINE_BREAK = /[\r\n]/
// 4 KiB of JSON nests at most ~2k deep; V8's JSON.stringify manages a few thousand.
const RAW_MAX = 4096

// Never throws: what another program wrote comes back as an entry or as why it cannot be read.
export function decodeEntry (seq: number, block: Uint8Array): EntryResult {
  if (block.byteLength > MAX_ENTRY_BYTES) {
    return { seq, unreadable: `entry is ${block.byteLength} bytes, over the ${MAX_ENTRY_BYTES}-byte limit` }
  }
  let text: string
  try {
    text = utf8.decode(block)
  } catch {
    return { seq, unreadable: 'not UTF-8 text' }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { seq, unreadable: 'not JSON' }
  }
  if (!isObject(value)) return { seq, unreadable: `JSON ${describe(value)}, not an object` }
  if (typeof value.type !== 'string') return { seq, unreadable: 'object without a string "type"' }
  // only text too short to nest beyond JSON.stringify passes through verbatim, so every output agrees on what prints
  return text.length > RAW_MAX || LINE_BREAK.test(text) ? { seq, value: value as Entry } : { seq, value: value as Entry, raw: text }
}

export function formatJson (r: EntryResult): string {
  if (isUnreadable(r)) return JSON.stringify({ seq: r.seq, error: r.unreadable })
  try {
    if (r.valid === undefined) return `{"seq":${r.seq},"value":${r.raw ?? JSON.stringify(r.value)}}`
    return JSON.stringify(r.valid ? { seq: r.seq, valid: true, value: r.value } : { seq: r.seq, valid: false, error: r.error, value: r.value })
  } catch {
    if (r.valid !== undefined) return JSON.stringify({ seq: r.seq, valid: r.valid, error: r.error ?? 'entry too deeply nested to print' })
    return JSON.stringify({ seq: r.seq, error: 'entry too deeply nested to print' })
  }
}

export function formatHuman (r: EntryResult): string {
  if (isUnreadable(r)) return `! #${r.seq} unreadable: ${r.unreadable}`
  const v = r.value
  if (v.type === 'block' && r.valid !== undefined) return formatBlock(v, r)
  if (isChat(v)) return `[${clock(v.time)}] ${escapeTerminal(v.nick)}: ${escapeTerminal(v.text)}`
  try {
    return escapeTerminal(JSON.stringify(v))
  } catch {
    return `! #${r.seq} unreadable: entry too deeply nested to print`
  }
}

function formatBlock (v: Entry, r: ReadableEntry): string {
  const height = Number.isSafeInteger(v.height) ? String(v.height) : '?'
  const hash = typeof v.hash === 'string' ? escapeTerminal(v.hash.slice(0, 12)) : '?'
  if (!r.valid) return `#${height} ${hash} INVALID (${escapeTerminal(r.error ?? 'invalid')})`
  try {
    return `#${height} ${hash} ${escapeTerminal(JSON.stringify(v.data) ?? 'null')}`
  } catch {
    return `#${height} ${hash} (data too deeply nested to print)`
  }
}

// C0/C1 controls, DEL, line separators and bidi overrides: shown, never obeyed.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

export function escapeTerminal (s: string): string {
  return s.replace(UNSAFE, ch => NAMED[ch] ?? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'))
}

export function clock (time: number): string {
  const d = new Date(time)
  if (Number.isNaN(d.getTime())) return '--:--:--'
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map(n => String(n).padStart(2, '0')).join(':')
}

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}
