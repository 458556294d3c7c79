import type { Entry } from '../entries.js'
import { type EntryRef, refProblem } from './refs.js'

// Entries that refer to an earlier message (a chat entry):
//   {"type":"edit","ref":REF,"text":"new text","time"?:MS}
//   {"type":"delete","ref":REF,"time"?:MS}
//   {"type":"reaction","ref":REF,"reaction":"👍","remove"?:true,"time"?:MS}
//   {"type":"chat","nick":..,"text":..,"time":..,"replyTo":REF}   (a reply)
// Their shape is checked when they are appended (encodeEntry); whether what
// they refer to exists, and may be changed by their author, is decided when
// they are read, in order (resolver.ts), the same way on every machine.
// This module imports nothing from the rest of src/ (entries.ts uses it).

export const EDIT = 'edit'
export const DELETE = 'delete'
export const REACTION = 'reaction'
// a reaction is one short word or emoji: at most this many bytes of UTF-8
export const MAX_REACTION_BYTES = 32

export interface EditEntry extends Entry {
  type: typeof EDIT
  ref: EntryRef
  text: string
  time?: number
}

export interface DeleteEntry extends Entry {
  type: typeof DELETE
  ref: EntryRef
  time?: number
}

export interface ReactionEntry extends Entry {
  type: typeof REACTION
  ref: EntryRef
  reaction: string
  // takes back this author's earlier identical reaction
  remove?: true
  time?: number
}

export type RefEntry = EditEntry | DeleteEntry | ReactionEntry

const KEYS: Record<string, { required: string[], optional: string[], shape: string }> = {
  [EDIT]: { required: ['type', 'ref', 'text'], optional: ['time'], shape: '{"type":"edit","ref":REF,"text":STRING,"time"?:MS}' },
  [DELETE]: { required: ['type', 'ref'], optional: ['time'], shape: '{"type":"delete","ref":REF,"time"?:MS}' },
  [REACTION]: { required: ['type', 'ref', 'reaction'], optional: ['remove', 'time'], shape: '{"type":"reaction","ref":REF,"reaction":STRING,"remove"?:true,"time"?:MS}' }
}

// C0/C1 controls, white space, line separators and bidi overrides: a reaction
// is shown inline on someone else's line and must not break it.
// eslint-disable-next-line no-control-regex
const REACTION_UNSAFE = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200b\u200e\u200f\u2028-\u202f\u205f\u2066-\u2069\u3000\ufeff]/
// (with the u flag a surrogate pair is one code point: only halves match)
const LONE_SURROGATE = /[\ud800-\udfff]/u

export function isRefType (type: unknown): type is RefEntry['type'] {
  return type === EDIT || type === DELETE || type === REACTION
}

// Why an edit, delete, reaction or reply is malformed (null: it is fine, or
// it is none of these). `value` is any JSON object with a string type.
export function messageProblem (value: Record<string, unknown>): string | null {
  const type = value.type
  if (type === 'chat') {
    if (!('replyTo' in value)) return null
    const problem = refProblem(value.replyTo)
    return problem === null ? null : `a reply's replyTo must be a reference: ${problem}`
  }
  if (typeof type !== 'string' || !isRefType(type)) return null
  const { required, optional, shape } = KEYS[type]!
  for (const k of required) if (!(k in value)) return `${article(type)} entry is ${shape}: it has no ${k}`
  for (const k in value) if (!required.includes(k) && !optional.includes(k)) return `${article(type)} entry is ${shape}: ${JSON.stringify(k)} is not one of its keys`
  const problem = refProblem(value.ref)
  if (problem !== null) return `${article(type)} entry's ref is malformed: ${problem}`
  if ('time' in value && !(Number.isSafeInteger(value.time) && (value.time as number) >= 0)) return `${article(type)} entry's time is an integer number of milliseconds from 0`
  if (type === EDIT && typeof value.text !== 'string') return 'an edit entry\'s text is a string'
  if (type === REACTION) {
    const reason = reactionProblem(value.reaction)
    if (reason !== null) return reason
    if ('remove' in value && value.remove !== true) return 'a reaction entry\'s remove is true or absent'
  }
  return null
}

// Why `reaction` cannot be a reaction (null when it can).
export function reactionProblem (reaction: unknown): string | null {
  if (typeof reaction !== 'string' || reaction.length === 0) return 'a reaction is a non-empty string'
  if (Buffer.byteLength(reaction) > MAX_REACTION_BYTES) return `a reaction is at most ${MAX_REACTION_BYTES} bytes (one word or emoji)`
  if (REACTION_UNSAFE.test(reaction) || LONE_SURROGATE.test(reaction)) return 'a reaction is one word or emoji, without spaces or control characters'
  return null
}

export function editEntry (ref: EntryRef, text: string, time = Date.now()): EditEntry {
  return { type: EDIT, ref, text, time }
}

export function deleteEntry (ref: EntryRef, time = Date.now()): DeleteEntry {
  return { type: DELETE, ref, time }
}

export function reactionEntry (ref: EntryRef, reaction: string, { remove = false, time = Date.now() }: { remove?: boolean, time?: number } = {}): ReactionEntry {
  return remove ? { type: REACTION, ref, reaction, remove: true, time } : { type: REACTION, ref, reaction, time }
}

export function replyEntry (nick: string, text: string, replyTo: EntryRef, time = Date.now()) {
  return { type: 'chat' as const, nick, text, time, replyTo }
}

function article (type: string): string {
  return type === EDIT ? 'an edit' : `a ${type}`
}
