import { type EntryResult, isUnreadable } from './entries.js'
import { usage } from './errors.js'
import { parseKey, toHex } from './keys.js'
import type { ResolvedMessage } from './messages/resolved.js'
import { entryText, fold } from './search/text.js'
import { requireTime } from './time-spec.js'

const MAX_TYPE = 64
const MAX_GREP = 256
export const MAX_FILTER_LIMIT = 1000

// Which entries to show, the same for view, room chat, GET /api/entries and
// /live (CLI flags on the left, URL parameters on the right):
//   --author KEY  author=KEY   by one of these authors (repeatable: any of them)
//   --type TYPE   type=TYPE    of one of these types (repeatable: any of them)
//   --since TIME  since=TIME   with a time from then on (see time-spec.ts)
//   --until TIME  until=TIME   with a time before then
//   --grep TEXT   q=TEXT       whose text holds TEXT, case and accents aside
//                              (repeatable: all of them)
//                 limit=N      at most N entries (1-1000)
// An entry without a time never passes --since or --until; an unreadable
// entry passes only a filter on authors alone.
export interface EntryFilter {
  authors: string[] | null
  types: string[] | null
  since: number | null
  until: number | null
  grep: string[]
  limit: number | null
}

export interface FilterInput {
  author?: string[]
  type?: string[]
  since?: string | null
  until?: string | null
  grep?: string[]
  limit?: string | null
}

export const NO_FILTER: EntryFilter = { authors: null, types: null, since: null, until: null, grep: [], limit: null }

// `names` says how a parameter is called where it came from (a flag or a URL parameter).
export function parseFilter (input: FilterInput, { now = Date.now(), names = flagNames }: { now?: number, names?: (field: keyof FilterInput) => string } = {}): EntryFilter {
  const authors = input.author === undefined || input.author.length === 0 ? null : input.author.map(a => authorKey(names('author'), a))
  const types = input.type === undefined || input.type.length === 0 ? null : input.type.map(t => {
    if (t.length === 0 || t.length > MAX_TYPE) throw usage(`${names('type')} takes an entry type of 1 to ${MAX_TYPE} characters`)
    return t
  })
  const since = input.since === undefined || input.since === null ? null : requireTime(names('since'), input.since, now)
  const until = input.until === undefined || input.until === null ? null : requireTime(names('until'), input.until, now)
  if (since !== null && until !== null && until <= since) throw usage(`${names('until')} must be after ${names('since')}`)
  const grep = (input.grep ?? []).map(g => {
    const folded = fold(g).trim()
    if (folded.length === 0 || g.length > MAX_GREP) throw usage(`${names('grep')} takes some text to look for (at most ${MAX_GREP} characters)`)
    return folded
  })
  let limit: number | null = null
  if (input.limit !== undefined && input.limit !== null) {
    limit = Number(input.limit)
    if (!/^\d+$/.test(input.limit) || limit < 1 || limit > MAX_FILTER_LIMIT) throw usage(`${names('limit')} takes a whole number from 1 to ${MAX_FILTER_LIMIT}`)
  }
  return { authors, types, since, until, grep, limit }
}

const flagNames = (field: keyof FilterInput) => `--${field}`
const URL_NAMES: Record<keyof FilterInput, string> = { author: 'author', type: 'type', since: 'since', until: 'until', grep: 'q', limit: 'limit' }
const paramNames = (field: keyof FilterInput) => `the ${URL_NAMES[field]} parameter`

// The filter in a URL's query: ?author=&type=&since=&until=&q=&limit= (author,
// type and q may be repeated).
export function filterFromUrl (params: URLSearchParams, { now = Date.now() }: { now?: number } = {}): EntryFilter {
  const one = (name: string) => params.get(name)
  return parseFilter({
    author: params.getAll('author'),
    type: params.getAll('type'),
    since: one('since'),
    until: one('until'),
    grep: params.getAll('q'),
    limit: one('limit')
  }, { now, names: paramNames })
}

export function isFiltering (f: EntryFilter): boolean {
  return f.authors !== null || f.types !== null || f.since !== null || f.until !== null || f.grep.length > 0
}

// Whether an entry as read passes. A feed's entries are all by its writer:
// pass the feed's key as `feedAuthor` so that an author filter can apply.
export function matchesEntry (f: EntryFilter, r: EntryResult & { author?: string }, feedAuthor?: string): boolean {
  const author = r.author ?? feedAuthor
  if (f.authors !== null && (author === undefined || !f.authors.includes(author))) return false
  if (isUnreadable(r)) return f.types === null && f.since === null && f.until === null && f.grep.length === 0
  const v = r.value
  if (f.types !== null && !f.types.includes(v.type)) return false
  if (f.since !== null || f.until !== null) {
    const time = Number.isSafeInteger(v.time) ? v.time as number : null
    if (!inTime(f, time)) return false
  }
  if (f.grep.length > 0) {
    const text = entryText(v)
    if (text === null) return false
    const folded = fold(text)
    if (!f.grep.every(g => folded.includes(g))) return false
  }
  return true
}

// Whether a message in its current state passes (--resolved and the human
// view): its latest text is what --grep looks in; a deleted message has none.
export function matchesMessage (f: EntryFilter, m: ResolvedMessage, feedAuthor?: string): boolean {
  const author = m.author ?? feedAuthor
  if (f.authors !== null && (author === undefined || !f.authors.includes(author))) return false
  if (f.types !== null && !f.types.includes('chat')) return false
  if (!inTime(f, m.time)) return false
  if (f.grep.length > 0) {
    if (m.text === null) return false
    const folded = fold(m.text)
    if (!f.grep.every(g => folded.includes(g))) return false
  }
  return true
}

function inTime (f: EntryFilter, time: number | null): boolean {
  if (f.since === null && f.until === null) return true
  if (time === null) return false
  return (f.since === null || time >= f.since) && (f.until === null || time < f.until)
}

function authorKey (name: string, input: string): string {
  try {
    return toHex(parseKey(input))
  } catch {
    throw usage(`${name} takes an author's key (64 hex or 52 z32 characters), not ${JSON.stringify(input.length > 80 ? input.slice(0, 77) + '...' : input)}`)
  }
}
