import type { Feed } from '../feed/feed.js'
import { isChat } from '../entries.js'
import { Resolver, type ResolverInput } from '../messages/resolver.js'
import { formatResolvedJson } from '../messages/resolved.js'
import type { Room } from '../room/room.js'
import { type EntryLine, exportLine } from './lines.js'

// entries read at a time
const CHUNK = 2048

// What an export reads: a feed's or a room's entries in order, stored here.
export interface ExportSource {
  readonly length: number
  readonly room: boolean
  read (start: number, end: number): Promise<EntryLine[]>
  // who may delete other members' messages (a room's creator)
  isAdmin?: (author: string) => boolean
}

export function feedExport (feed: Feed): ExportSource {
  return { get length () { return feed.length }, room: false, read: (start, end) => feed.read(start, end, { wait: false }) }
}

export async function roomExport (room: Room): Promise<ExportSource> {
  const creator = (await room.config())?.creator ?? null
  return { get length () { return room.length }, room: true, read: (start, end) => room.read(start, end), isAdmin: (a) => a === creator }
}

// The export's lines, a chunk at a time: every entry as stored (lines.ts),
// or with `resolved` each message once in its current state.
export async function * exportLines (source: ExportSource, { resolved = false }: { resolved?: boolean } = {}): AsyncGenerator<string[]> {
  const length = source.length
  if (!resolved) {
    for (let start = 0; start < length; start += CHUNK) yield (await source.read(start, Math.min(length, start + CHUNK))).map(exportLine)
    return
  }
  const resolver = new Resolver({ room: source.room, isAdmin: source.isAdmin, load: async (seq) => (await source.read(seq, seq + 1))[0] ?? null })
  for (let start = 0; start < length; start += CHUNK) await resolver.push(await source.read(start, Math.min(length, start + CHUNK)) as ResolverInput[])
  for (let start = 0; start < length; start += CHUNK) {
    const lines: string[] = []
    for (const e of await source.read(start, Math.min(length, start + CHUNK))) {
      if (!('value' in e) || !isChat(e.value)) continue
      const m = await resolver.resolve(e as ResolverInput)
      if (m !== null) lines.push(formatResolvedJson(m))
    }
    yield lines
  }
}
