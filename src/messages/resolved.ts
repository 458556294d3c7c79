import { type EntryRef, copyRef } from './refs.js'

// Why an edit, delete, reaction or reply's reference was not followed. The
// same reasons come out on every machine, and are shown in --json and --resolved.
export const IGNORED = {
  malformed: 'malformed',
  wrongRef: 'wrong kind of reference',
  noEntry: 'no such entry',
  notMessage: 'not a message',
  notAuthor: 'not the author',
  deleted: 'deleted',
  alreadyReacted: 'already reacted',
  notReacted: 'not reacted'
} as const

export type IgnoredReason = typeof IGNORED[keyof typeof IGNORED]

export interface ResolvedReaction {
  reaction: string
  count: number
  // room members who reacted, in the order they did (null in a feed: its writer)
  authors: string[] | null
}

export interface ResolvedReply {
  ref: EntryRef
  // the replied-to message as it is now (null fields: the reference was ignored)
  seq: number | null
  nick: string | null
  quote: string | null
  deleted: boolean
  ignored: IgnoredReason | null
}

// A message (a chat entry) in its current state.
export interface ResolvedMessage {
  seq: number
  // a room member's key and entry number in its core (null in a feed)
  author: string | null
  authorSeq: number | null
  nick: string
  time: number
  // null once deleted
  text: string | null
  edited: boolean
  deleted: boolean
  deletedBy: 'author' | 'admin' | null
  reactions: ResolvedReaction[]
  replyTo: ResolvedReply | null
}

// --resolved: one line per message, keys always in this order. Feeds leave out
// author, authorSeq and the reactions' authors.
//   {"seq":N,["author":HEX,"authorSeq":M,]"nick":..,"time":MS,"text":STRING|null,
//    "edited":B,"deleted":B,"deletedBy":null|"author"|"admin",
//    "reactions":[{"reaction":"👍","count":2[,"authors":[HEX..]]}],
//    "replyTo":null|{"ref":REF,"seq":N|null,"nick":..|null,"quote":..|null,"deleted":B[,"ignored":REASON]}}
export function formatResolvedJson (m: ResolvedMessage): string {
  const room = m.author !== null
  const out: Record<string, unknown> = { seq: m.seq }
  if (room) {
    out.author = m.author
    out.authorSeq = m.authorSeq
  }
  out.nick = m.nick
  out.time = m.time
  out.text = m.text
  out.edited = m.edited
  out.deleted = m.deleted
  out.deletedBy = m.deletedBy
  out.reactions = m.reactions.map(r => room ? { reaction: r.reaction, count: r.count, authors: r.authors } : { reaction: r.reaction, count: r.count })
  out.replyTo = m.replyTo === null ? null : replyJson(m.replyTo)
  return JSON.stringify(out)
}

function replyJson (r: ResolvedReply): Record<string, unknown> {
  const out: Record<string, unknown> = { ref: copyRef(r.ref), seq: r.seq, nick: r.nick, quote: r.quote, deleted: r.deleted }
  if (r.ignored !== null) out.ignored = r.ignored
  return out
}

// The `--json` line of an entry with what the resolver decided about it:
// `"ignored": REASON` added at the end (the line is otherwise unchanged).
export function withIgnored (jsonLine: string, reason: IgnoredReason | null): string {
  if (reason === null || !jsonLine.endsWith('}')) return jsonLine
  return `${jsonLine.slice(0, -1)},"ignored":${JSON.stringify(reason)}}`
}
