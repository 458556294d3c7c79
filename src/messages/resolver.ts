import { type Entry, type EntryResult, isChat } from '../entries.js'
import { DELETE, EDIT, REACTION, isRefType, messageProblem } from './entry-types.js'
import { BY_ADMIN, DELETED, EDITED, MessageTable, NOT_MESSAGE, UNKNOWN } from './message-table.js'
import { type EntryRef, isAuthorRef } from './refs.js'
import { IGNORED, type IgnoredReason, type ResolvedMessage, type ResolvedReaction } from './resolved.js'
import { TextCache } from './text-cache.js'

// how much of a replied-to message a reply quotes (code points)
export const QUOTE_CHARS = 40
// texts kept in memory when the resolver can read entries again (characters)
const DEFAULT_CACHE_CHARS = 4 * 1024 * 1024
const FEED_AUTHOR = ''

// An entry as a feed (seq) or a room (seq, author, authorSeq) gives it out.
export type ResolverInput = EntryResult & { author?: string, authorSeq?: number }

export type Update =
  // a new message (a chat entry), in full
  | { kind: 'message', seq: number, message: ResolvedMessage }
  // an edit, delete or reaction changed the message it refers to
  | { kind: 'change', seq: number, cause: 'edit' | 'delete' | 'reaction', message: ResolvedMessage }
  // an edit, delete or reaction whose reference is not followed
  | { kind: 'ignored', seq: number, type: string, reason: IgnoredReason }
  // any other entry
  | { kind: 'other', seq: number }

export interface ResolverOptions {
  // a room's entries: refs are {author, authorSeq} and entries carry both
  room?: boolean
  // who may delete other members' messages (a room's admins)
  isAdmin?: (author: string) => boolean
  // reads the entry at `seq` again (a text that is no longer in memory);
  // without it every text is kept in memory
  load?: (seq: number) => Promise<ResolverInput | null>
  cacheChars?: number
}

interface Verdict {
  target: number
  reason: IgnoredReason | null
}

interface Fill {
  seq: number
  message: number
  set: (text: string) => void
}

// The current state of every message, from the entries in order: latest text,
// edited, deleted, reactions and what a reply answers. A pure function of the
// entries and their order (and isAdmin): the same entries in the same order
// give the same states on every machine. References only reach entries that
// come earlier; an edit or delete only counts from the message's author (a
// delete also from an admin); a reaction counts once per author and reaction.
// Memory: a few typed-array columns per entry, reactions, and a bounded cache
// of texts (with `load`); texts that left the cache are read again.
export class Resolver {
  private readonly room: boolean
  private readonly isAdmin: (author: string) => boolean
  private readonly load: ((seq: number) => Promise<ResolverInput | null>) | null
  private readonly table = new MessageTable()
  private readonly cache: TextCache
  // message index -> reaction -> authors (in the order they reacted)
  private readonly reactions = new Map<number, Map<string, number[]>>()
  // replies whose reference was ignored: message index -> the reference, and why
  private readonly badReplies = new Map<number, { ref: EntryRef, reason: IgnoredReason }>()

  constructor ({ room = false, isAdmin = () => false, load, cacheChars = DEFAULT_CACHE_CHARS }: ResolverOptions = {}) {
    this.room = room
    this.isAdmin = isAdmin
    this.load = load ?? null
    this.cache = new TextCache(this.load === null ? Infinity : cacheChars)
  }

  // messages seen so far
  get messages (): number { return this.table.count }

  // Takes the next entries in order; returns one update per entry.
  async push (entries: ResolverInput[]): Promise<Update[]> {
    const fills: Fill[] = []
    const updates = entries.map(e => this.apply(e, fills))
    await this.fill(fills)
    return updates
  }

  // The current state of the message `ref` names (null: no such message).
  async get (ref: EntryRef): Promise<ResolvedMessage | null> {
    const i = this.find(ref)
    if (i < 0) return null
    const fills: Fill[] = []
    const m = this.build(i, fills)
    await this.fill(fills)
    return m
  }

  // The current state of a message that was pushed earlier, given its entry
  // again (a second pass that prints each message once: its text is taken
  // from the entry unless it was edited, so nothing needs reading).
  async resolve (entry: ResolverInput): Promise<ResolvedMessage | null> {
    const at = this.position(entry)
    if (at === null || !('value' in entry)) return null
    const i = this.table.at(at.author, at.authorSeq)
    if (i < 0) return null
    const fills: Fill[] = []
    const own = (this.table.flags[i]! & EDITED) === 0 && isChat(entry.value) ? entry.value.text : undefined
    const m = this.build(i, fills, own)
    await this.fill(fills)
    return m
  }

  // What appending `value` as `author` would do now: the reason it would be
  // ignored, or null (it would count). For refusing a command before posting.
  check (value: Entry, author = FEED_AUTHOR): IgnoredReason | null {
    if (!isRefType(value.type)) return null
    return this.judge(value, this.table.knownAuthor(author) ?? -1, author).reason
  }

  // Whether `author` has reacted to `ref` with `reaction` (and not taken it back).
  hasReacted (ref: EntryRef, reaction: string, author = FEED_AUTHOR): boolean {
    const i = this.find(ref)
    const id = this.table.knownAuthor(author)
    return i >= 0 && id !== undefined && (this.reactions.get(i)?.get(reaction)?.includes(id) ?? false)
  }

  private find (ref: EntryRef): number {
    if (isAuthorRef(ref) !== this.room) return UNKNOWN
    if (!isAuthorRef(ref)) return this.table.at(0, ref)
    const id = this.table.knownAuthor(ref.author)
    return id === undefined ? UNKNOWN : this.table.at(id, ref.authorSeq)
  }

  private position (e: ResolverInput): { author: number, authorSeq: number, name: string } | null {
    if (!this.room) return { author: this.table.authorId(FEED_AUTHOR), authorSeq: e.seq, name: FEED_AUTHOR }
    const { author, authorSeq } = e
    if (typeof author !== 'string' || author === '' || authorSeq === undefined || !Number.isSafeInteger(authorSeq) || authorSeq < 0) return null
    return { author: this.table.authorId(author), authorSeq, name: author }
  }

  private apply (e: ResolverInput, fills: Fill[]): Update {
    const seq = e.seq
    const at = this.position(e)
    // an entry seen before (a room follower may give positions out again)
    if (at === null || this.table.at(at.author, at.authorSeq) !== UNKNOWN) return { kind: 'other', seq }
    if (!('value' in e)) {
      this.table.markEntry(at.author, at.authorSeq)
      return { kind: 'other', seq }
    }
    const v = e.value
    if (isChat(v)) return { kind: 'message', seq, message: this.addMessage(e, v.nick, v.text, v.time, v.replyTo, at.author, at.authorSeq, fills) }
    if (!isRefType(v.type)) {
      this.table.markEntry(at.author, at.authorSeq)
      return { kind: 'other', seq }
    }
    // judged before this entry takes its place: a reference to itself is to nothing
    const { target, reason } = this.judge(v, at.author, at.name)
    this.table.markEntry(at.author, at.authorSeq)
    if (reason !== null) return { kind: 'ignored', seq, type: v.type, reason }
    const flags = this.table.flags
    if (v.type === EDIT) {
      flags[target] = flags[target]! | EDITED
      this.table.textSeq[target] = seq
      this.cache.set(target, v.text as string)
      return { kind: 'change', seq, cause: 'edit', message: this.build(target, fills) }
    }
    if (v.type === DELETE) {
      flags[target] = flags[target]! | DELETED | (this.table.author[target] === at.author ? 0 : BY_ADMIN)
      this.reactions.delete(target)
      this.cache.delete(target)
      return { kind: 'change', seq, cause: 'delete', message: this.build(target, fills) }
    }
    this.react(target, v.reaction as string, at.author, v.remove === true)
    return { kind: 'change', seq, cause: 'reaction', message: this.build(target, fills) }
  }

  private addMessage (e: ResolverInput, nick: string, text: string, time: number, replyTo: EntryRef | undefined, author: number, authorSeq: number, fills: Fill[]): ResolvedMessage {
    let target = UNKNOWN
    let bad: IgnoredReason | null = null
    if (replyTo !== undefined) {
      const found = this.lookup(replyTo)
      if (typeof found === 'string') bad = found
      else target = found
    }
    const i = this.table.addMessage({ author, authorSeq, seq: e.seq, time, nick })
    if (target >= 0) this.table.replyTo[i] = target
    if (bad !== null) this.badReplies.set(i, { ref: replyTo!, reason: bad })
    this.cache.set(i, text)
    return this.build(i, fills, text)
  }

  // The message a reference names, or why it names none.
  private lookup (ref: EntryRef): number | IgnoredReason {
    if (isAuthorRef(ref) !== this.room) return IGNORED.wrongRef
    const i = this.find(ref)
    if (i === UNKNOWN) return IGNORED.noEntry
    if (i === NOT_MESSAGE) return IGNORED.notMessage
    return i
  }

  private judge (v: Entry, author: number, authorName: string): Verdict {
    if (messageProblem(v) !== null) return { target: UNKNOWN, reason: IGNORED.malformed }
    const found = this.lookup(v.ref as EntryRef)
    if (typeof found === 'string') return { target: UNKNOWN, reason: found }
    const target = found
    if ((this.table.flags[target]! & DELETED) !== 0) return { target, reason: IGNORED.deleted }
    const own = this.table.author[target] === author
    if (v.type === EDIT && !own) return { target, reason: IGNORED.notAuthor }
    if (v.type === DELETE && !own && !this.isAdmin(authorName)) return { target, reason: IGNORED.notAuthor }
    if (v.type === REACTION) {
      const has = this.reactions.get(target)?.get(v.reaction as string)?.includes(author) ?? false
      if (v.remove === true && !has) return { target, reason: IGNORED.notReacted }
      if (v.remove !== true && has) return { target, reason: IGNORED.alreadyReacted }
    }
    return { target, reason: null }
  }

  private react (target: number, reaction: string, author: number, remove: boolean): void {
    let byReaction = this.reactions.get(target)
    if (byReaction === undefined) this.reactions.set(target, byReaction = new Map())
    const authors = byReaction.get(reaction) ?? []
    if (remove) {
      authors.splice(authors.indexOf(author), 1)
      if (authors.length === 0) byReaction.delete(reaction)
      if (byReaction.size === 0) this.reactions.delete(target)
      return
    }
    authors.push(author)
    byReaction.set(reaction, authors)
  }

  // The state of message i; texts not in memory are filled in by fill().
  private build (i: number, fills: Fill[], text?: string): ResolvedMessage {
    const t = this.table
    const flags = t.flags[i]!
    const deleted = (flags & DELETED) !== 0
    const m: ResolvedMessage = {
      seq: t.seq[i]!,
      author: this.room ? t.authorName(t.author[i]!) : null,
      authorSeq: this.room ? t.authorSeq[i]! : null,
      nick: t.nickName(i),
      time: t.time[i]!,
      text: null,
      edited: (flags & EDITED) !== 0,
      deleted,
      deletedBy: !deleted ? null : (flags & BY_ADMIN) !== 0 ? 'admin' : 'author',
      reactions: deleted ? [] : this.reactionsOf(i),
      replyTo: null
    }
    if (deleted) return m
    if (text !== undefined) m.text = text
    else this.text(i, fills, s => { m.text = s })
    const bad = this.badReplies.get(i)
    if (bad !== undefined) {
      m.replyTo = { ref: bad.ref, seq: null, nick: null, quote: null, deleted: false, ignored: bad.reason }
      return m
    }
    const j = t.replyTo[i]!
    if (j < 0) return m
    const gone = (t.flags[j]! & DELETED) !== 0
    const reply = { ref: this.refOf(j), seq: t.seq[j]!, nick: t.nickName(j), quote: null as string | null, deleted: gone, ignored: null }
    m.replyTo = reply
    if (!gone) this.text(j, fills, s => { reply.quote = quote(s) })
    return m
  }

  private text (i: number, fills: Fill[], set: (text: string) => void): void {
    const cached = this.cache.get(i)
    if (cached !== undefined) set(cached)
    else fills.push({ seq: this.table.textSeq[i]!, message: i, set })
  }

  private refOf (i: number): EntryRef {
    const t = this.table
    return this.room ? { author: t.authorName(t.author[i]!), authorSeq: t.authorSeq[i]! } : t.seq[i]!
  }

  private reactionsOf (i: number): ResolvedReaction[] {
    const byReaction = this.reactions.get(i)
    if (byReaction === undefined) return []
    const out: ResolvedReaction[] = []
    for (const [reaction, authors] of byReaction) {
      out.push({ reaction, count: authors.length, authors: this.room ? authors.map(a => this.table.authorName(a)) : null })
    }
    return out
  }

  // Reads the entries that hold texts no longer in memory (each once).
  private async fill (fills: Fill[]): Promise<void> {
    if (fills.length === 0) return
    const load = this.load
    if (load === null) throw new Error('resolver: a text left memory without a way to read it again')
    const bySeq = new Map<number, Fill[]>()
    for (const f of fills) {
      const list = bySeq.get(f.seq)
      if (list === undefined) bySeq.set(f.seq, [f])
      else list.push(f)
    }
    await Promise.all([...bySeq].map(async ([seq, list]) => {
      const entry = await load(seq)
      const text = entry !== null && 'value' in entry && typeof entry.value.text === 'string' ? entry.value.text : null
      if (text === null) throw new Error(`resolver: entry ${seq} no longer holds the text it had`)
      for (const f of list) {
        f.set(text)
        if (this.table.textSeq[f.message] === seq && (this.table.flags[f.message]! & DELETED) === 0) this.cache.set(f.message, text)
      }
    }))
  }
}

// A reply's brief quote: white space folded, at most QUOTE_CHARS code points.
export function quote (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const points = Array.from(flat)
  if (points.length <= QUOTE_CHARS) return flat
  return points.slice(0, QUOTE_CHARS).join('').replace(/\u200d+$/, '').trimEnd() + '…'
}
