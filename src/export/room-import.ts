import type { Entry } from '../entries.js'
import { isRefType } from '../messages/entry-types.js'
import { type EntryRef, isAuthorRef } from '../messages/refs.js'
import { Resolver } from '../messages/resolver.js'
import { ROOM_CREATE, isRoomType } from '../room/state.js'
import type { ImportEntry } from './lines.js'

export interface RoomImportPlan {
  // what the importer posts to its new room, in order
  values: Entry[]
  // membership entries (the new room has its own) and edits, deletes and
  // reactions that did not count in the exported room
  skipped: number
}

// A room's export re-posted by one member (the importer, who creates the new
// room, as `importer`): membership entries are left out; references to
// entries that are posted again are rewritten to where they land in the
// importer's core (`firstAuthorSeq` on, in order); an edit, delete or reaction that did not
// count in the exported room is left out, so it cannot start counting now
// that one member posts everything. Nicks stay as written. What is lost:
// who reacted (reactions from several members count once each).
export async function planRoomImport (entries: ImportEntry[], { importer, firstAuthorSeq }: { importer: string, firstAuthorSeq: number }): Promise<RoomImportPlan> {
  const creator = entries.find(e => e.value.type === ROOM_CREATE)?.author ?? null
  const resolver = new Resolver({ room: true, isAdmin: (author) => author === creator })
  const updates = await resolver.push(entries.map(e => ({ seq: e.seq, author: e.author!, authorSeq: e.authorSeq!, value: e.value })))
  const landed = new Map<string, number>()
  const values: Entry[] = []
  let skipped = 0
  for (const [i, e] of entries.entries()) {
    const u = updates[i]!
    const lost = isRoomType(e.value.type) || u.kind === 'ignored' || (u.kind === 'change' && u.cause === 'reaction' && collapses(u.message.reactions, e.value))
    if (lost) {
      skipped++
      continue
    }
    landed.set(`${e.author}:${e.authorSeq}`, firstAuthorSeq + values.length)
    values.push(remap(e.value, landed, importer))
  }
  return { values, skipped }
}

// A reaction that, posted by one member, would repeat one already posted
// (another member's identical reaction), or take back one that others keep.
function collapses (reactions: { reaction: string, count: number }[], value: Entry): boolean {
  const now = reactions.find(r => r.reaction === value.reaction)?.count ?? 0
  return value.remove === true ? now > 0 : now > 1
}

function remap (value: Entry, landed: Map<string, number>, importer: string): Entry {
  const field = isRefType(value.type) ? 'ref' : value.type === 'chat' && value.replyTo !== undefined ? 'replyTo' : null
  if (field === null) return value
  const ref = value[field] as EntryRef
  if (!isAuthorRef(ref)) return value
  const at = landed.get(`${ref.author}:${ref.authorSeq}`)
  // (a reference to nothing stays one: it names a member of the old room)
  return at === undefined ? value : { ...value, [field]: { author: importer, authorSeq: at } }
}
