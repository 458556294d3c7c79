import v8 from 'node:v8'
import vm from 'node:vm'
import test from 'brittle'
import { type Entry, chat } from '../src/entries.js'
import { deleteEntry, editEntry, reactionEntry, replyEntry } from '../src/messages/entry-types.js'
import { type EntryRef, refTo } from '../src/messages/refs.js'
import { IGNORED, formatResolvedJson, withIgnored } from '../src/messages/resolved.js'
import { Resolver, type ResolverInput, type Update, quote } from '../src/messages/resolver.js'

const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const C = 'cc'.repeat(32)

// A feed's entries, numbered in order.
const feed = (values: Entry[]): ResolverInput[] => values.map((value, seq) => ({ seq, value }))

// A room's entries: [author, value] in room order, each author's own entries numbered.
function room (items: [string, Entry][]): ResolverInput[] {
  const counts = new Map<string, number>()
  return items.map(([author, value], seq) => {
    const authorSeq = counts.get(author) ?? 0
    counts.set(author, authorSeq + 1)
    return { seq, author, authorSeq, value }
  })
}

const messageOf = (u: Update | undefined) => u !== undefined && (u.kind === 'message' || u.kind === 'change') ? u.message : null
const reasonOf = (u: Update | undefined) => u !== undefined && u.kind === 'ignored' ? u.reason : null

async function resolvedLines (r: Resolver, entries: ResolverInput[]): Promise<string[]> {
  const out: string[] = []
  for (const e of entries) {
    const m = await r.resolve(e)
    if (m !== null) out.push(formatResolvedJson(m))
  }
  return out
}

test('a feed: edits, deletes, reactions and replies resolve to each message\'s current state', async (t) => {
  const entries = feed([
    chat('al', 'helo wrld', 1000), // 0
    editEntry(0, 'hello world', 1001), // 1
    reactionEntry(0, '👍', { time: 1002 }), // 2
    replyEntry('al', 'replying to myself', 0, 1003), // 3
    chat('al', 'oops', 1004), // 4
    deleteEntry(4, 1005), // 5
    reactionEntry(0, '👍', { remove: true, time: 1006 }), // 6
    reactionEntry(0, '🎉', { time: 1007 }) // 7
  ])
  const r = new Resolver()
  const updates = await r.push(entries)
  t.alike(updates.map(u => u.kind), ['message', 'change', 'change', 'message', 'message', 'change', 'change', 'change'])
  t.is(messageOf(updates[1])?.text, 'hello world')
  t.alike(messageOf(updates[2])?.reactions, [{ reaction: '👍', count: 1, authors: null }])
  const lines = await resolvedLines(r, entries)
  t.alike(lines, [
    '{"seq":0,"nick":"al","time":1000,"text":"hello world","edited":true,"deleted":false,"deletedBy":null,"reactions":[{"reaction":"🎉","count":1}],"replyTo":null}',
    '{"seq":3,"nick":"al","time":1003,"text":"replying to myself","edited":false,"deleted":false,"deletedBy":null,"reactions":[],"replyTo":{"ref":0,"seq":0,"nick":"al","quote":"hello world","deleted":false}}',
    '{"seq":4,"nick":"al","time":1004,"text":null,"edited":false,"deleted":true,"deletedBy":"author","reactions":[],"replyTo":null}'
  ])
})

test('hostile references are ignored alike, with the reason', async (t) => {
  const entries = room([
    [A, chat('alice', 'mine', 1)], // 0: A0
    [B, editEntry({ author: A, authorSeq: 0 }, 'hijacked', 2)], // B0: not the author
    [B, deleteEntry({ author: A, authorSeq: 0 }, 3)], // B1: not the author (B is no admin)
    [B, reactionEntry({ author: A, authorSeq: 9 }, '👍', { time: 4 })], // B2: no such entry
    [B, reactionEntry({ author: B, authorSeq: 3 }, '👍', { time: 5 })], // B3: itself: no such entry
    [B, reactionEntry({ author: B, authorSeq: 0 }, '👍', { time: 6 })], // B4: an edit is not a message
    [B, reactionEntry(0, '👍', { time: 7 })], // B5: a feed reference in a room
    [B, reactionEntry({ author: A, authorSeq: 0 }, '👍', { time: 8 })], // B6: counts
    [B, reactionEntry({ author: A, authorSeq: 0 }, '👍', { time: 9 })], // B7: already reacted
    [C, reactionEntry({ author: A, authorSeq: 0 }, '👍', { remove: true, time: 10 })], // C0: not reacted
    [C, { type: 'edit', ref: { author: A, authorSeq: 0 } }], // C1: malformed (written by another program)
    [B, replyEntry('bob', 'to nothing', { author: C, authorSeq: 99 }, 11)], // B8: a message, its reference ignored
    [A, deleteEntry({ author: A, authorSeq: 0 }, 12)], // A1
    [A, editEntry({ author: A, authorSeq: 0 }, 'too late', 13)], // A2: deleted
    [B, reactionEntry({ author: A, authorSeq: 0 }, '❤', { time: 14 })] // B9: deleted
  ])
  const r = new Resolver({ room: true })
  const updates = await r.push(entries)
  const reasons = updates.map(u => u.kind === 'ignored' ? u.reason : u.kind)
  t.alike(reasons, [
    'message', IGNORED.notAuthor, IGNORED.notAuthor, IGNORED.noEntry, IGNORED.noEntry, IGNORED.notMessage, IGNORED.wrongRef,
    'change', IGNORED.alreadyReacted, IGNORED.notReacted, IGNORED.malformed, 'message', 'change', IGNORED.deleted, IGNORED.deleted
  ])
  const reply = messageOf(updates[11])
  t.alike(reply?.replyTo, { ref: { author: C, authorSeq: 99 }, seq: null, nick: null, quote: null, deleted: false, ignored: IGNORED.noEntry })
  t.is(withIgnored('{"seq":1,"value":{"type":"edit"}}', IGNORED.notAuthor), '{"seq":1,"value":{"type":"edit"},"ignored":"not the author"}')
  t.is(withIgnored('{"seq":1}', null), '{"seq":1}')
  // a feed takes no room references
  const f = new Resolver()
  const [, u] = await f.push(feed([chat('a', 'x', 1), reactionEntry({ author: A, authorSeq: 0 }, '👍')]))
  t.is(reasonOf(u), IGNORED.wrongRef)
})

test('a room admin may delete anyone\'s message, not edit it; the resolved form says who deleted', async (t) => {
  const entries = room([
    [B, chat('bob', 'spam', 1)],
    [A, editEntry({ author: B, authorSeq: 0 }, 'nicer', 2)],
    [A, deleteEntry({ author: B, authorSeq: 0 }, 3)]
  ])
  const r = new Resolver({ room: true, isAdmin: (author) => author === A })
  const updates = await r.push(entries)
  t.is(reasonOf(updates[1]), IGNORED.notAuthor)
  t.is(messageOf(updates[2])?.deletedBy, 'admin')
  t.alike(await resolvedLines(r, entries), [`{"seq":0,"author":"${B}","authorSeq":0,"nick":"bob","time":1,"text":null,"edited":false,"deleted":true,"deletedBy":"admin","reactions":[],"replyTo":null}`])
})

test('check() and hasReacted() tell a command what posting would do, without changing anything', async (t) => {
  const r = new Resolver({ room: true })
  await r.push(room([[A, chat('alice', 'hi', 1)], [B, reactionEntry({ author: A, authorSeq: 0 }, '👍', { time: 2 })]]))
  const ref = { author: A, authorSeq: 0 }
  t.is(r.check(editEntry(ref, 'x'), B), IGNORED.notAuthor)
  t.is(r.check(editEntry(ref, 'x'), A), null)
  t.is(r.check(editEntry(ref, 'x'), C), IGNORED.notAuthor, 'an author not seen yet owns nothing')
  t.is(r.check(reactionEntry(ref, '👍'), B), IGNORED.alreadyReacted)
  t.ok(r.hasReacted(ref, '👍', B))
  t.absent(r.hasReacted(ref, '👍', A))
  t.is(r.check(chat('a', 'b', 1), A), null)
  t.is((await r.get(ref))?.reactions[0]?.count, 1, 'nothing changed')
})

test('quotes are short, on one line, and never split a character', (t) => {
  t.is(quote('  short\n\ttext  '), 'short text')
  t.is(quote('x'.repeat(41)), 'x'.repeat(40) + '…')
  t.is(quote('😀'.repeat(50)), '😀'.repeat(40) + '…')
})

// A plain model of the rules, written for the test: objects, no caching.
function referenceModel (entries: ResolverInput[], isAdmin: (a: string) => boolean): string[] {
  interface M { seq: number, author: string, authorSeq: number, nick: string, time: number, text: string, edited: boolean, deleted: null | 'author' | 'admin', reactions: Map<string, string[]>, reply: { ref: EntryRef, target: M | null, ignored: string | null } | null }
  const byId = new Map<string, M | 'entry'>()
  const order: M[] = []
  const id = (ref: EntryRef) => typeof ref === 'number' ? 'n' : `${ref.author}:${ref.authorSeq}`
  for (const e of entries) {
    if (!('value' in e)) continue
    const v = e.value
    const self = `${e.author}:${e.authorSeq}`
    const target = typeof v.ref === 'object' || typeof v.replyTo === 'object' ? byId.get(id((v.ref ?? v.replyTo) as EntryRef)) : undefined
    if (v.type === 'chat') {
      let reply: M['reply'] = null
      if (v.replyTo !== undefined) reply = { ref: v.replyTo as EntryRef, target: typeof target === 'object' ? target : null, ignored: target === undefined ? 'no such entry' : target === 'entry' ? 'not a message' : null }
      const m: M = { seq: e.seq, author: e.author!, authorSeq: e.authorSeq!, nick: v.nick as string, time: v.time as number, text: v.text as string, edited: false, deleted: null, reactions: new Map(), reply }
      byId.set(self, m)
      order.push(m)
      continue
    }
    byId.set(self, 'entry')
    if (typeof target !== 'object' || target.deleted !== null) continue
    if (v.type === 'edit' && target.author === e.author) { target.text = v.text as string; target.edited = true }
    if (v.type === 'delete' && (target.author === e.author || isAdmin(e.author!))) target.deleted = target.author === e.author ? 'author' : 'admin'
    if (v.type === 'reaction') {
      const list = target.reactions.get(v.reaction as string) ?? []
      const has = list.includes(e.author!)
      if (v.remove === true && has) list.splice(list.indexOf(e.author!), 1)
      if (v.remove !== true && !has) list.push(e.author!)
      if (list.length === 0) target.reactions.delete(v.reaction as string)
      else target.reactions.set(v.reaction as string, list)
    }
  }
  return order.map(m => {
    const deleted = m.deleted !== null
    const r = m.reply
    const replyTo = deleted || r === null
      ? null
      : r.target === null
        ? { ref: r.ref, seq: null, nick: null, quote: null, deleted: false, ignored: r.ignored }
        : { ref: r.ref, seq: r.target.seq, nick: r.target.nick, quote: r.target.deleted !== null ? null : quote(r.target.text), deleted: r.target.deleted !== null }
    return JSON.stringify({
      seq: m.seq,
      author: m.author,
      authorSeq: m.authorSeq,
      nick: m.nick,
      time: m.time,
      text: deleted ? null : m.text,
      edited: m.edited,
      deleted,
      deletedBy: m.deleted,
      reactions: deleted ? [] : [...m.reactions].map(([reaction, authors]) => ({ reaction, count: authors.length, authors })),
      replyTo
    })
  })
}

// Deterministic pseudo-random numbers (mulberry32).
function random (seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

// A room of 3 members: some messages, then 300 random edits, deletes and
// reactions (many of them to others' messages, to nothing, or repeated).
function randomRoom (seed: number): ResolverInput[] {
  const rand = random(seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!
  const authors = [A, B, C]
  const items: [string, Entry][] = []
  const counts = new Map<string, number>()
  const refs: EntryRef[] = []
  const post = (author: string, value: Entry) => {
    const authorSeq = counts.get(author) ?? 0
    counts.set(author, authorSeq + 1)
    items.push([author, value])
    return { author, authorSeq }
  }
  let time = 1_700_000_000_000
  for (let i = 0; i < 40; i++) {
    const author = pick(authors)
    const text = `message ${i} from ${author.slice(0, 2)} ` + 'é'.repeat(Math.floor(rand() * 60))
    const ref = post(author, refs.length > 0 && rand() < 0.3 ? replyEntry(author.slice(0, 2), text, pick(refs), time++) : chat(author.slice(0, 2), text, time++))
    refs.push(ref)
  }
  for (let i = 0; i < 300; i++) {
    const author = pick(authors)
    const roll = rand()
    // mostly real messages; sometimes a position that holds no message or nothing at all
    const ref: EntryRef = rand() < 0.85 ? pick(refs) : { author: pick(authors), authorSeq: Math.floor(rand() * 400) }
    if (roll < 0.3) post(author, editEntry(ref, `edit ${i} by ${author.slice(0, 2)}`, time++))
    else if (roll < 0.4) post(author, deleteEntry(ref, time++))
    else if (roll < 0.9) post(author, reactionEntry(ref, pick(['👍', '❤️', '🎉']), { remove: rand() < 0.3, time: time++ }))
    else refs.push(post(author, replyEntry(author.slice(0, 2), `late reply ${i}`, ref, time++)))
  }
  return room(items)
}

test('convergence: 3 members resolve the same 300 random edits, deletes and reactions to byte-identical output', async (t) => {
  const isAdmin = (a: string) => a === A
  for (const seed of [1, 2, 3]) {
    const entries = randomRoom(seed)
    const load = async (seq: number) => entries[seq] ?? null
    // member 1: everything at once, every text in memory
    const one = new Resolver({ room: true, isAdmin })
    const u1 = await one.push(entries)
    // member 2: in random batches, with a cache too small to hold much (texts are read again)
    const two = new Resolver({ room: true, isAdmin, load, cacheChars: 64 })
    const u2: Update[] = []
    const rand = random(seed * 7)
    for (let i = 0; i < entries.length;) {
      const n = 1 + Math.floor(rand() * 20)
      u2.push(...await two.push(entries.slice(i, i + n)))
      i += n
    }
    // member 3: one entry at a time, nothing cached
    const three = new Resolver({ room: true, isAdmin, load, cacheChars: 0 })
    const u3: Update[] = []
    for (const e of entries) u3.push(...await three.push([e]))

    const out1 = (await resolvedLines(one, entries)).join('\n')
    t.is((await resolvedLines(two, entries)).join('\n'), out1, `seed ${seed}: member 2 resolves alike`)
    t.is((await resolvedLines(three, entries)).join('\n'), out1, `seed ${seed}: member 3 resolves alike`)
    t.alike(JSON.stringify(u2), JSON.stringify(u1), `seed ${seed}: the same live updates`)
    t.alike(JSON.stringify(u3), JSON.stringify(u1))
    t.is(out1, referenceModel(entries, isAdmin).join('\n'), `seed ${seed}: what the rules say (a plain model of them)`)
    const kinds = new Map<string, number>()
    for (const u of u1) kinds.set(u.kind === 'ignored' ? u.reason : u.kind, (kinds.get(u.kind === 'ignored' ? u.reason : u.kind) ?? 0) + 1)
    t.comment(`seed ${seed}: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`)
    t.ok((kinds.get('change') ?? 0) > 50 && (kinds.get(IGNORED.notAuthor) ?? 0) > 10 && (kinds.get(IGNORED.deleted) ?? 0) > 5, 'the history exercises the rules')
  }
})

test('memory stays bounded over 200k messages when texts can be read again', { timeout: 120_000 }, async (t) => {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  const n = 200_000
  const text = (seq: number) => `message ${seq} ` + 'x'.repeat(480)
  const entryAt = (seq: number): ResolverInput => seq % 10 === 9
    ? { seq, value: reactionEntry(seq - 1 - (seq % 7), '👍', { time: seq }) }
    : { seq, value: chat('writer', text(seq), seq) }
  gc()
  const before = process.memoryUsage().heapUsed
  const r = new Resolver({ load: async (seq) => entryAt(seq), cacheChars: 1024 * 1024 })
  for (let start = 0; start < n; start += 1000) {
    await r.push(Array.from({ length: 1000 }, (_, i) => entryAt(start + i)))
  }
  gc()
  const grown = process.memoryUsage().heapUsed - before
  t.comment(`${r.messages} messages (~${Math.round(r.messages * 490 / 1e6)} MB of text): heap grew ${(grown / 1e6).toFixed(1)} MB`)
  t.ok(grown < 30e6, 'far less than the texts')
  // an old message's text is read again when a reaction changes it
  const [u] = await r.push([{ seq: n, value: reactionEntry(5, '🎉', { time: n }) }])
  t.is(messageOf(u)?.text, text(5))
})

test('a text read back while a later entry of the same batch edits it does not come back stale', async (t) => {
  const entries: ResolverInput[] = feed([chat('al', 'the original', 1)])
  // fillers push the original's text out of a 40-character cache
  for (let i = 1; i <= 8; i++) entries.push({ seq: i, value: chat('al', `filler ${i}`, 1 + i) })
  const r = new Resolver({ load: async (seq) => entries[seq] ?? null, cacheChars: 40 })
  await r.push(entries)
  entries.push({ seq: 9, value: reactionEntry(0, '👍', { time: 10 }) }, { seq: 10, value: editEntry(0, 'short', 11) })
  const [reacted, edited] = await r.push(entries.slice(9))
  t.is(messageOf(reacted)?.text, 'the original', 'the reaction\'s update has the text as it was then')
  t.is(messageOf(edited)?.text, 'short')
  t.is((await r.get(0))?.text, 'short', 'and the message keeps its edit')
})

test('a text dropped from memory without a way to read it again is a loud error, not a wrong answer', async (t) => {
  // (cannot happen through the options: without load every text is kept)
  const r = new Resolver({ load: async () => ({ seq: 0, value: { type: 'note' } }), cacheChars: 0 })
  await r.push(feed([chat('a', 'hello', 1)]))
  await t.exception(r.push([{ seq: 1, value: reactionEntry(0, '👍') }]), /no longer holds the text/)
})

test('the same entry given twice (a room follower going back) counts once', async (t) => {
  const entries = room([[A, chat('alice', 'hi', 1)], [B, reactionEntry({ author: A, authorSeq: 0 }, '👍', { time: 2 })]])
  const r = new Resolver({ room: true })
  await r.push(entries)
  const again = await r.push(entries)
  t.alike(again.map(u => u.kind), ['other', 'other'])
  t.is((await r.get(refTo(entries[0]!)))?.reactions[0]?.count, 1)
})
