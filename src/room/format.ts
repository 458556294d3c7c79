import { clock, escapeTerminal, isChat, isUnreadable } from '../entries.js'
import type { RoomEntry } from './follow.js'
import { ROOM_CREATE, ROOM_JOIN, ROOM_REMOVE, type MemberRecord } from './state.js'

const TAG_LENGTH = 6

// `--json`: {"seq":N,"author":HEX,"authorSeq":M,"value":ENTRY}, one line each.
export function formatRoomJson (r: RoomEntry, extra = ''): string {
  const head = `{"seq":${r.seq},"author":"${r.author}","authorSeq":${r.authorSeq}${extra}`
  if (isUnreadable(r)) return `${head},"error":${JSON.stringify(r.unreadable)}}`
  try {
    return `${head},"value":${r.raw ?? JSON.stringify(r.value)}}`
  } catch {
    return `${head},"error":"entry too deeply nested to print"}`
  }
}

// Who is who in the human form. A member is shown by the nick it uses; when
// two members use the same nick, each is shown with a short tag of its key
// (alice~3f2a1c), so nobody can pass for another.
export class Names {
  private readonly members = new Map<string, string>()
  private readonly claims = new Map<string, Set<string>>()

  constructor (members: MemberRecord[] = []) {
    for (const m of members) this.addMember(m)
  }

  addMember (m: MemberRecord): void {
    this.members.set(m.key, m.nick)
    this.claim(m.nick, m.key)
  }

  private claim (nick: string, author: string): void {
    let authors = this.claims.get(nick)
    if (authors === undefined) this.claims.set(nick, authors = new Set())
    authors.add(author)
  }

  // How to show `author`, posting as `nick` (default: its member nick).
  name (author: string, nick?: string): string {
    const shown = nick ?? this.members.get(author) ?? author.slice(0, TAG_LENGTH)
    this.claim(shown, author)
    const tagged = (this.claims.get(shown)?.size ?? 0) > 1
    return escapeTerminal(tagged ? `${shown}~${author.slice(0, TAG_LENGTH)}` : shown)
  }
}

// Human form: chat as `[HH:MM:SS] nick: text`, membership as `* ...` lines,
// other entries as compact JSON; anything that could drive the terminal escaped.
export function formatRoomHuman (r: RoomEntry, names: Names): string {
  if (isUnreadable(r)) return `! #${r.seq} unreadable: ${escapeTerminal(r.unreadable)} (from ${names.name(r.author)})`
  const v = r.value
  if (isChat(v)) return `[${clock(v.time)}] ${names.name(r.author, v.nick)}: ${escapeTerminal(v.text)}`
  if (v.type === ROOM_CREATE) return `* ${names.name(r.author)} created the room`
  if (v.type === ROOM_JOIN) return `* ${names.name(r.author)} joined`
  if (v.type === ROOM_REMOVE && typeof v.member === 'string') return `* ${names.name(r.author)} removed ${names.name(v.member)}`
  try {
    return escapeTerminal(JSON.stringify(v))
  } catch {
    return `! #${r.seq} unreadable: entry too deeply nested to print`
  }
}
