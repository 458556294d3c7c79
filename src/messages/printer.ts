import type { EntryResult } from '../entries.js'
import { type EntryFilter, NO_FILTER, isFiltering, matchesEntry, matchesMessage } from '../filter.js'
import { type EntryRef, refTo } from './refs.js'
import { formatResolvedJson, withIgnored } from './resolved.js'
import { type NameOf, formatUpdateHuman } from './render.js'
import { Resolver, type ResolverInput } from './resolver.js'

export type PrintMode = 'human' | 'json' | 'resolved'

export interface PrinterOptions {
  mode: PrintMode
  room?: boolean
  isAdmin?: (author: string) => boolean
  // reads entry `seq` again (a text no longer in memory)
  load?: (seq: number) => Promise<ResolverInput | null>
  filter?: EntryFilter
  // a feed's key: the author of all its entries (for --author)
  feedAuthor?: string
  name?: NameOf
  // an entry's line in the human and --json forms, as the caller draws it
  human: (r: ResolverInput) => string
  json: (r: ResolverInput) => string
}

// The lines view and room chat print for entries as they come, in order:
//   human     a message with its number (for /edit N ...), in its current state
//             (edited, deleted, reactions, what it replies to), drawn again
//             when an edit, delete or reaction changes it
//   json      every entry as stored, an ignored edit, delete or reaction with
//             "ignored": REASON
//   resolved  each message once in its current state: while `holding` (the
//             stored part), nothing is printed; release() prints them; then
//             each new or changed message is printed as it changes
export class MessagePrinter {
  private readonly opts: PrinterOptions
  private readonly resolver: Resolver
  private readonly filter: EntryFilter
  private held: EntryRef[] | null

  constructor (opts: PrinterOptions) {
    this.opts = opts
    this.filter = opts.filter ?? NO_FILTER
    this.resolver = new Resolver({ room: opts.room, isAdmin: opts.isAdmin, load: opts.load })
    this.held = opts.mode === 'resolved' ? [] : null
  }

  get resolverState (): Resolver { return this.resolver }

  async push (batch: ResolverInput[]): Promise<string[]> {
    const updates = await this.resolver.push(batch)
    const { mode, feedAuthor, name } = this.opts
    const filtering = isFiltering(this.filter)
    const lines: string[] = []
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!
      const u = updates[i]!
      if (mode === 'resolved') {
        if (u.kind !== 'message' && u.kind !== 'change') continue
        if (this.held !== null) {
          if (u.kind === 'message') this.held.push(refTo(r as EntryResult & { author?: string, authorSeq?: number }))
          continue
        }
        if (!filtering || matchesMessage(this.filter, u.message, feedAuthor)) lines.push(formatResolvedJson(u.message))
        continue
      }
      if (mode === 'json') {
        if (filtering && !matchesEntry(this.filter, r, feedAuthor)) continue
        lines.push(withIgnored(this.opts.json(r), u.kind === 'ignored' ? u.reason : null))
        continue
      }
      if (u.kind === 'change') {
        if (!filtering || matchesMessage(this.filter, u.message, feedAuthor)) lines.push(formatUpdateHuman(u, name)!)
        continue
      }
      if (filtering && !matchesEntry(this.filter, r, feedAuthor)) continue
      lines.push(formatUpdateHuman(u, name) ?? this.opts.human(r))
    }
    return lines
  }

  // --resolved: the messages held so far, once each in their current state;
  // from now on messages print as they change.
  async release (): Promise<string[]> {
    const held = this.held
    if (held === null) return []
    this.held = null
    const lines: string[] = []
    for (const ref of held) {
      const m = await this.resolver.get(ref)
      if (m !== null && (!isFiltering(this.filter) || matchesMessage(this.filter, m, this.opts.feedAuthor))) lines.push(formatResolvedJson(m))
    }
    return lines
  }
}
