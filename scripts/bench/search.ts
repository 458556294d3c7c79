// Search (hyperfeed search, GET /api/search): index a feed of chat entries on
// disk, then time queries (single words, prefixes, two words) against the
// index and against a plain scan of the same stored entries, newest first
// until the same number of hits (what a search without an index would do).
// Run alone: node dist/scripts/bench/search.js [--quick] [--entries N]
import { fileURLToPath } from 'node:url'
import { QUICK, args, figure, fmt, notes, now, percentile, tmp } from './common.js'
import { chat, isUnreadable, type EntryResult } from '../../src/entries.js'
import { Feed } from '../../src/feed/feed.js'
import { Store, diskUsage } from '../../src/storage.js'
import { SearchIndex } from '../../src/search/search-index.js'
import { DEFAULT_LIMIT } from '../../src/search/query.js'
import { entryText, words } from '../../src/search/text.js'
import { SearchUpdater, feedSource } from '../../src/search/updater.js'

const ENTRIES = args.includes('--entries') ? Number(args[args.indexOf('--entries') + 1]) : QUICK ? 5_000 : 100_000
const QUERIES = QUICK ? 40 : 200
// a scan of a rare word reads every entry: a few are enough to compare
const SCANS = QUICK ? 3 : 5
const VOCABULARY = 20_000
const TARGET_P95_MS = 100
const APPEND_BATCH = 1000
const SCAN_CHUNK = 4096
const T0 = 1_700_000_000_000

// Deterministic pseudo-random numbers (mulberry32), so every run searches the same text.
function random (seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

// A vocabulary of made-up words (some accented), drawn with a Zipf-like
// distribution: a few words are in most messages, most are rare.
function corpus (n: number) {
  const rand = random(42)
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'zé', 'pa', 'di', 'gu', 'bo', 'fè', 'ha', 'jo', 'ri', 'tu', 'we', 'yö']
  const vocabulary: string[] = []
  const seen = new Set<string>()
  while (vocabulary.length < VOCABULARY) {
    const k = 1 + Math.floor(rand() * 4)
    let w = ''
    for (let i = 0; i < k; i++) w += syllables[Math.floor(rand() * syllables.length)]
    if (!seen.has(w)) { seen.add(w); vocabulary.push(w) }
  }
  const pick = () => vocabulary[Math.min(VOCABULARY - 1, Math.floor(Math.exp(rand() * Math.log(VOCABULARY + 1)) - 1))]!
  const texts = Array.from({ length: n }, () => Array.from({ length: 4 + Math.floor(rand() * 13) }, pick).join(' '))
  return { texts, vocabulary, rand }
}

function stats (xs: number[]) {
  const sorted = xs.slice().sort((a, b) => a - b)
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) }
}

// The same question without an index: read the stored entries from the
// newest back, fold each text and keep those where every query word begins
// one of its words, until `limit` are found or the feed's start is reached.
async function scan (feed: Feed, query: string, limit: number): Promise<number[]> {
  const wanted = words(query)
  const hits: number[] = []
  for (let end = feed.length; end > 0 && hits.length < limit; end -= SCAN_CHUNK) {
    const chunk: EntryResult[] = await feed.read(Math.max(0, end - SCAN_CHUNK), end)
    for (let i = chunk.length - 1; i >= 0 && hits.length < limit; i--) {
      const r = chunk[i]!
      if (isUnreadable(r)) continue
      const text = entryText(r.value)
      if (text === null) continue
      const have = words(text)
      if (wanted.every(q => have.some(w => w.startsWith(q)))) hits.push(r.seq)
    }
  }
  return hits
}

export async function search (): Promise<void> {
  console.error(`\n13. search (${ENTRIES.toLocaleString('en-US')} chat entries, ${QUERIES} queries of each kind)`)
  const { texts, vocabulary, rand } = corpus(ENTRIES)
  const store = await Store.open(tmp('search-feed'))
  const feed = await Feed.openWriter(store, 'search')
  for (let i = 0; i < ENTRIES; i += APPEND_BATCH) {
    await feed.append(texts.slice(i, i + APPEND_BATCH).map((text, k) => chat('bench', text, T0 + (i + k) * 1000)))
  }
  const dir = tmp('search-index')
  const index = new SearchIndex(dir, { identity: feed.key.toString('hex') })
  const updater = new SearchUpdater(index, feedSource(feed))
  const started = now()
  const cpuBefore = process.cpuUsage()
  await updater.update()
  const indexMs = now() - started
  const cpu = process.cpuUsage(cpuBefore)
  const cpuMs = (cpu.user + cpu.system) / 1000
  figure('search', `index ${ENTRIES.toLocaleString('en-US')} entries from the feed on disk`, 'entries/s', ENTRIES / (indexMs / 1000), null, null, true)
  notes.push(`search index: ${fmt(indexMs / 1000)} s (${fmt(cpuMs / 1000)} s of CPU, RocksDB's threads included) for ${ENTRIES.toLocaleString('en-US')} entries; ${fmt(await diskUsage(dir) / 1e6)} MB on disk beside a ${fmt(await diskUsage(store.dir) / 1e6)} MB feed store`)

  // words drawn as messages use them (common and rare), prefixes of them, and
  // two words from one message (found) or from two (mostly not)
  const word = () => { const ws = texts[Math.floor(rand() * texts.length)]!.split(' '); return ws[Math.floor(rand() * ws.length)]! }
  const kinds: [string, () => string][] = [
    ['one word', word],
    ['a prefix (2-4 letters)', () => { const w = word(); return w.slice(0, Math.min(w.length, 2 + Math.floor(rand() * 3))) }],
    ['two words of one message', () => { const ws = texts[Math.floor(rand() * texts.length)]!.split(' '); return `${ws[0]} ${ws[ws.length - 1]}` }],
    ['two words', () => `${word()} ${vocabulary[Math.floor(rand() * vocabulary.length)]}`]
  ]
  for (const [kind, make] of kinds) {
    const queries = Array.from({ length: QUERIES }, make)
    const times: number[] = []
    // CPU time too: on a shared machine wall time also counts other processes' turns
    const cpuTimes: number[] = []
    let found = 0
    for (const q of queries) {
      const t = now()
      const c = process.cpuUsage()
      found += (await index.search(q)).length
      const used = process.cpuUsage(c)
      times.push(now() - t)
      cpuTimes.push((used.user + used.system) / 1000)
    }
    const scanTimes: number[] = []
    for (const q of queries.slice(0, SCANS)) {
      const t = now()
      const a = await scan(feed, q, DEFAULT_LIMIT)
      scanTimes.push(now() - t)
      const b = (await index.search(q)).map(h => h.seq)
      if (a.join() !== b.join()) throw new Error(`search and scan disagree on ${JSON.stringify(q)}: ${b.join()} vs ${a.join()}`)
    }
    const s = stats(times)
    const p = stats(scanTimes)
    figure('search', `${kind}: p50 query latency (index vs plain scan of the stored entries)`, 'ms', s.p50, p.p50, 'scan', false)
    figure('search', `${kind}: p95 query latency (index vs plain scan)`, 'ms', s.p95, p.p95, 'scan', false, { max: TARGET_P95_MS })
    const c = stats(cpuTimes)
    notes.push(`search, ${kind}: CPU per query p50 ${fmt(c.p50)} ms, p95 ${fmt(c.p95)} ms; ${fmt(found / queries.length)} hits per query on average (limit ${DEFAULT_LIMIT}); scan checked against the index on ${SCANS} queries`)
  }
  await updater.close()
  await index.close()
  await feed.close()
  await store.close()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  search().then(() => { for (const n of notes) console.error('  ' + n) }, (err) => { console.error(err); process.exitCode = 1 })
}
