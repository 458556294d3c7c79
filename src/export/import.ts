import { StorageRoot } from '../storage.js'
import { Feed } from '../feed/feed.js'
import { feedExists } from '../errors.js'
import { createRoom, discardRoom } from '../room/open.js'
import type { Room } from '../room/room.js'
import { toHex } from '../keys.js'
import type { ParsedExport } from './lines.js'
import { planRoomImport } from './room-import.js'

// entries appended at a time (Hypercore's fastest batches are a few thousand)
const BATCH = 2500

export interface ImportResult {
  kind: 'feed' | 'room'
  key: string
  entries: number
  // a room's: entries of the export not posted again (see room-import.ts)
  skipped: number
}

export interface ImportOptions {
  // a room's creator nick
  nick: string
  onProgress?: (done: number, total: number) => void
}

// A parsed export (all lines read and checked) as a new feed or room called
// `name` in `storage`. All or nothing: when an append fails, what was made is
// removed again.
export async function importExport (storage: string, name: string, parsed: ParsedExport, opts: ImportOptions): Promise<ImportResult> {
  return parsed.room ? importRoom(storage, name, parsed, opts) : importFeed(storage, name, parsed, opts)
}

async function importFeed (storage: string, name: string, parsed: ParsedExport, { onProgress }: ImportOptions): Promise<ImportResult> {
  const root = await StorageRoot.open(storage)
  if ((await root.writerKey(name)) !== null) throw feedExists(name)
  const feed = await Feed.openWriterIn({ storage }, name)
  const key = toHex(feed.key)
  const total = parsed.entries.length
  try {
    if (feed.length > 0) throw feedExists(name)
    for (let i = 0; i < total; i += BATCH) {
      const part = parsed.entries.slice(i, i + BATCH)
      await feed.append(part.map(e => e.value), part.map(e => e.block))
      onProgress?.(i + part.length, total)
    }
  } catch (err) {
    await feed.close()
    await root.discardWriter(name)
    throw err
  }
  await feed.close()
  return { kind: 'feed', key, entries: total, skipped: 0 }
}

async function importRoom (storage: string, name: string, parsed: ParsedExport, { nick, onProgress }: ImportOptions): Promise<ImportResult> {
  const room: Room = await createRoom(storage, name, { nick })
  const key = toHex(room.key)
  let skipped = 0
  let posted = 0
  try {
    const plan = await planRoomImport(parsed.entries, { importer: toHex(room.writerKey), firstAuthorSeq: (await room.append([])).seq })
    skipped = plan.skipped
    for (let i = 0; i < plan.values.length; i += BATCH) {
      const part = plan.values.slice(i, i + BATCH)
      await room.append(part)
      posted += part.length
      onProgress?.(posted, plan.values.length)
    }
  } catch (err) {
    await room.close()
    await discardRoom(storage, name)
    throw err
  }
  await room.close()
  return { kind: 'room', key, entries: posted, skipped }
}
