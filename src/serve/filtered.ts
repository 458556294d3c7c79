import type { EntryResult } from '../entries.js'
import { type EntryFilter, MAX_FILTER_LIMIT, isFiltering, matchesEntry } from '../filter.js'

// /live's one message once the stored part (what matched of it) has been sent.
export const SYNCED = '{"type":"synced"}'
// entries read at a time when a filtered GET /api/entries scans for matches
const SCAN = 1000

type Filterable = EntryResult & { author?: string }

// A /live stream's lines: the entries from `start` that pass the filter, with
// SYNCED once every entry stored when it began (below `target`) has been
// looked at; then only new matches.
export async function * filteredLive<T extends Filterable> (batches: AsyncIterable<T[]>, { start, target, filter, feedAuthor, render }: {
  start: number
  target: number
  filter: EntryFilter
  feedAuthor?: string
  render: (batch: T[]) => Promise<string[]>
}): AsyncGenerator<string[]> {
  let synced = start >= target
  if (synced) yield [SYNCED]
  const filtering = isFiltering(filter)
  for await (const batch of batches) {
    const kept = filtering ? batch.filter(r => matchesEntry(filter, r, feedAuthor)) : batch
    const lines = kept.length === 0 ? [] : await render(kept)
    if (!synced && batch.length > 0 && batch[batch.length - 1]!.seq + 1 >= target) {
      synced = true
      lines.push(SYNCED)
    }
    if (lines.length > 0) yield lines
  }
}

// A filtered GET /api/entries: the matches from `start` on, in order, at most
// `limit` (default and most: MAX_FILTER_LIMIT), reading the entries `SCAN` at a time.
export async function filteredPage<T extends Filterable> (read: (start: number, end: number) => Promise<T[]>, { start, length, filter, feedAuthor }: {
  start: number
  length: number
  filter: EntryFilter
  feedAuthor?: string
}): Promise<T[]> {
  const limit = filter.limit ?? MAX_FILTER_LIMIT
  const out: T[] = []
  for (let at = start; at < length && out.length < limit; at += SCAN) {
    for (const r of await read(at, Math.min(length, at + SCAN))) {
      if (matchesEntry(filter, r, feedAuthor)) out.push(r)
      if (out.length >= limit) break
    }
  }
  return out
}
