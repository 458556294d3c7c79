import { badRequest, notFound } from '../errors.js'
import { filterFromUrl } from '../filter.js'
import type { LocalSearch } from '../search/local.js'
import type { SearchHit } from '../search/query.js'

// GET /api/search?q=WORDS[&author=KEY&since=TIME&until=TIME&limit=N]: the
// entries holding every word, newest first, in /api/entries' shape.
// `feedAuthor`: a feed's key (its entries are all its writer's).
export async function searchRoute (search: LocalSearch | null, url: URL, render: (hits: SearchHit[]) => Promise<string[]>, feedAuthor?: string): Promise<string> {
  if (search === null) throw notFound(url.pathname)
  const query = url.searchParams.getAll('q').join(' ')
  if (query.trim().length === 0) throw badRequest('search needs q=WORDS')
  const filter = filterFromUrl(url.searchParams)
  let authors = filter.authors
  if (feedAuthor !== undefined && authors !== null) {
    if (!authors.includes(feedAuthor)) return '[]'
    authors = null
  }
  const hits = await search.search(query, { authors, since: filter.since, until: filter.until, limit: filter.limit ?? undefined })
  return '[' + (await render(hits)).join(',') + ']'
}
