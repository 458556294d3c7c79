import { clock, escapeTerminal } from '../entries.js'
import { formatRef, isAuthorRef } from './refs.js'
import type { ResolvedMessage } from './resolved.js'
import type { Update } from './resolver.js'

// How a message's author is shown: a room passes its Names (nick~tag when two
// members use one nick); a feed shows the nick as written.
export type NameOf = (author: string | null, nick: string) => string

const plainName: NameOf = (_author, nick) => escapeTerminal(nick)

// The entry number beside each line, for /edit N, /reply N and friends.
export function numbered (seq: number, line: string): string {
  return `(${seq}) ${line}`
}

// `(12) [10:00:01] alice: hello there (edited)  👍 2  ❤ 1`
// `(13) [10:00:02] bob: ↪ (12) alice "hello there" · sure`
// `(14) [10:00:03] carol: (deleted)`
export function formatMessageHuman (m: ResolvedMessage, name: NameOf = plainName): string {
  const head = `(${m.seq}) [${clock(m.time)}] ${name(m.author, m.nick)}: `
  if (m.deleted) return head + (m.deletedBy === 'admin' ? '(deleted by an admin)' : '(deleted)')
  let line = head
  const r = m.replyTo
  if (r !== null) {
    if (r.ignored !== null) line += `↪ ${formatRef(r.ref)} (${r.ignored}) · `
    else if (r.deleted) line += `↪ (${r.seq}) (deleted) · `
    else line += `↪ (${r.seq}) ${name(isAuthorRef(r.ref) ? r.ref.author : null, r.nick ?? '')} "${escapeTerminal(r.quote ?? '')}" · `
  }
  line += escapeTerminal(m.text ?? '')
  if (m.edited) line += ' (edited)'
  if (m.reactions.length > 0) line += '  ' + m.reactions.map(x => `${escapeTerminal(x.reaction)} ${x.count}`).join('  ')
  return line
}

// A line for each update of the live human view: new and changed messages
// are (re)drawn in full, with their number; an ignored edit, delete or
// reaction says why; other entries are drawn by the caller (null).
export function formatUpdateHuman (u: Update, name: NameOf = plainName): string | null {
  if (u.kind === 'message' || u.kind === 'change') return formatMessageHuman(u.message, name)
  if (u.kind === 'ignored') return `(${u.seq}) ! ${u.type} ignored: ${u.reason}`
  return null
}
