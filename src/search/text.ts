import { type Entry, isChat } from '../entries.js'
import { DELETE, EDIT, REACTION } from '../messages/entry-types.js'

// a word longer than this (code points) is cut: nobody types more to find it
export const MAX_WORD = 64
// the text taken from one entry for searching (characters)
export const MAX_TEXT = 64 * 1024
const WORD = /[\p{L}\p{N}]+/gu
const MARKS = /\p{M}+/gu
// letters that carry no combining mark to remove but are typed without one
const PLAIN: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' }
const NOT_PLAIN = /[ßæœøłđðþı]/g

// Case- and accent-insensitive form: compatibility decomposition, combining
// marks removed, lower case (locale-independent), and a few letters spelled
// plainly. "Ÿ", "ÿ" and "y" all fold to "y"; "Straße" to "strasse".
export function fold (text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(NOT_PLAIN, ch => PLAIN[ch]!)
}

// The distinct folded words of a text, in the order they first appear.
export function words (text: string): string[] {
  const seen = new Set<string>()
  for (const m of fold(text).matchAll(WORD)) {
    const w = m[0]
    seen.add(w.length <= MAX_WORD ? w : Array.from(w).slice(0, MAX_WORD).join(''))
  }
  return [...seen]
}

// What of an entry is searched: a chat entry's (or an edit's) text; a
// block's data; for any other entry, the strings it holds (not its keys, not
// its type), up to MAX_TEXT characters. null: nothing (deletes, reactions).
export function entryText (value: Entry): string | null {
  if (isChat(value)) return value.text
  if (value.type === EDIT) return typeof value.text === 'string' ? value.text : null
  if (value.type === DELETE || value.type === REACTION) return null
  const root = value.type === 'block' ? value.data : value
  const parts: string[] = []
  let length = 0
  // iterative: another program's entry may nest deeper than the stack
  const stack: unknown[] = [root]
  while (stack.length > 0 && length < MAX_TEXT) {
    const v = stack.pop()
    if (typeof v === 'string') {
      parts.push(v)
      length += v.length + 1
    } else if (typeof v === 'object' && v !== null) {
      const children = Array.isArray(v) ? v : Object.entries(v).filter(([k]) => !(v === value && k === 'type')).map(([, c]) => c)
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
    }
  }
  return parts.length === 0 ? null : parts.join(' ').slice(0, MAX_TEXT)
}
