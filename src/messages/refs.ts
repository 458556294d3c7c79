// How an entry names an earlier one. In a feed (one writer) an entry is its
// entry number, `seq`: `"ref": 12`. In a room, positions can move until the
// room's order is signed, so an entry is named by who wrote it and where it is
// in that member's own core: `"ref": {"author": "<64 hex>", "authorSeq": 3}`.
// This module imports nothing from the rest of src/ (entries.ts uses it).

export interface AuthorRef {
  author: string
  authorSeq: number
}

export type EntryRef = number | AuthorRef

const HEX64 = /^[0-9a-f]{64}$/
const SHORT_AUTHOR = 6

export function isAuthorRef (ref: EntryRef): ref is AuthorRef {
  return typeof ref === 'object'
}

// Why `ref` is not a well-formed reference (null when it is one).
export function refProblem (ref: unknown): string | null {
  if (typeof ref === 'number') return isIndex(ref) ? null : 'a feed reference is an entry number (an integer from 0)'
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) {
    return 'a reference is an entry number (in a feed) or {"author": HEX, "authorSeq": N} (in a room)'
  }
  let keys = 0
  for (const k in ref) {
    if (k !== 'author' && k !== 'authorSeq') return `a room reference has exactly the keys author and authorSeq, not ${JSON.stringify(k)}`
    keys++
  }
  const { author, authorSeq } = ref as Record<string, unknown>
  if (keys !== 2 || typeof author !== 'string' || !HEX64.test(author) || !isIndex(authorSeq)) {
    return 'a room reference is {"author": 64 lowercase hex characters, "authorSeq": an integer from 0}'
  }
  return null
}

function isIndex (n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
}

// The reference to an entry as read: its seq in a feed, (author, authorSeq) in a room.
export function refTo (entry: { seq: number, author?: string, authorSeq?: number }): EntryRef {
  if (entry.author === undefined || entry.authorSeq === undefined) return entry.seq
  return { author: entry.author, authorSeq: entry.authorSeq }
}

// A reference in a copy of its own (the JSON key order is always author, authorSeq).
export function copyRef (ref: EntryRef): EntryRef {
  return isAuthorRef(ref) ? { author: ref.author, authorSeq: ref.authorSeq } : ref
}

// Short human form: `12`, or `3f2a1c:12` in a room.
export function formatRef (ref: EntryRef): string {
  return isAuthorRef(ref) ? `${ref.author.slice(0, SHORT_AUTHOR)}:${ref.authorSeq}` : String(ref)
}
