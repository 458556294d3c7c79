import { clock, escapeTerminal, isChat, isUnreadable } from '../entries.js'
import type { RoomEntry } from './follow.js'
import type { BlockMark } from './chain.js'
import { type NamedMember, names, strangerName } from './names.js'
import { ROOM_CREATE, ROOM_JOIN, ROOM_REMOVE } from './state.js'

export function formatRoomJson (r: RoomEntry, mark?: BlockMark): string {
  const extra = mark === undefined ? '' : mark.valid ? `,"valid":true,"chain":"${mark.chain}"` : `,"valid":false,"error":${JSON.stringify(mark.error)}`
  const head = `{"seq":${r.seq},"author":"${r.author}","authorSeq":${r.authorSeq}${extra}`
  if (isUnreadable(r)) return `${head},"error":${JSON.stringify(r.unreadable)}}`
  try {
    return `${head},"value":${r.raw ?? JSON.stringify(r.value)}}`
  } catch {
    return `${head},"error":"entry too deeply nested to print"}`
  }
}

// How authors are shown: names.ts decides from the whole member list (removed
// members included), so no member can be shown as another; the room page
// gets the same names from the gateway.
export class Names {
  private list: NamedMember[] = []
  private nicks = new Map<string, string>()
  private shown = new Map<string, string>()

  constructor (members: NamedMember[] = []) {
    this.set(members)
  }

  set (members: NamedMember[]): void {
    this.list = members.map(m => ({ key: m.key, nick: m.nick }))
    this.nicks = new Map(this.list.map(m => [m.key, m.nick]))
    this.shown = names(this.list)
  }

  name (author: string): string {
    return this.shown.get(author) ?? strangerName(author, this.list)
  }

  // A post carries the nick its author typed; when it is not the member's
  // own, it follows the member's name and cannot replace it.
  poster (author: string | null, nick: string): string {
    if (author === null) return escapeTerminal(nick)
    const name = this.name(author)
    return nick === this.nicks.get(author) ? name : `${name} (as ${escapeTerminal(JSON.stringify(nick))})`
  }
}

export function formatRoomHuman (r: RoomEntry, names: Names, mark?: BlockMark): string {
  if (isUnreadable(r)) return `! #${r.seq} unreadable: ${escapeTerminal(r.unreadable)} (from ${names.name(r.author)})`
  const v = r.value
  if (v.type === 'block' && mark !== undefined) return formatRoomBlock(v, mark)
  if (isChat(v)) return `[${clock(v.time)}] ${names.poster(r.author, v.nick)}: ${escapeTerminal(v.text)}`
  if (v.type === ROOM_CREATE) return `* ${names.name(r.author)} created the room`
  if (v.type === ROOM_JOIN) return `* ${names.name(r.author)} joined`
  if (v.type === ROOM_REMOVE && typeof v.member === 'string') return `* ${names.name(r.author)} removed ${names.name(v.member)}`
  try {
    return escapeTerminal(JSON.stringify(v))
  } catch {
    return `! #${r.seq} unreadable: entry too deeply nested to print`
  }
}

function formatRoomBlock (v: Record<string, unknown>, mark: BlockMark): string {
  const height = Number.isSafeInteger(v.height) ? String(v.height) : '?'
  const hash = typeof v.hash === 'string' ? escapeTerminal(v.hash.slice(0, 12)) : '?'
  if (!mark.valid) return `#${height} ${hash} ${/is not in the room/.test(mark.error) ? 'PENDING' : 'INVALID'} (${escapeTerminal(mark.error)})`
  if (mark.chain === 'stale') return `#${height} ${hash} STALE`
  try {
    return `#${height} ${hash} ${escapeTerminal(JSON.stringify(v.data) ?? 'null')}`
  } catch {
    return `#${height} ${hash} (data too deeply nested to print)`
  }
}

export function formatChainHuman (b: { height: number, hash: string, author: string, value: { data: unknown } }, names: Names): string {
  let data: string
  try {
    data = escapeTerminal(JSON.stringify(b.value.data) ?? 'null')
  } catch {
    data = '(data too deeply nested to print)'
  }
  return `#${b.height} ${b.hash.slice(0, 12)} ${names.name(b.author)} ${data}`
}

export function formatChainJson (b: { height: number, hash: string, author: string, value: unknown }): string {
  try {
    return `{"height":${b.height},"hash":"${b.hash}","author":"${b.author}","value":${JSON.stringify(b.value)}}`
  } catch {
    return `{"height":${b.height},"hash":"${b.hash}","author":"${b.author}","error":"block too deeply nested to print"}`
  }
}
