import { Feed } from './feed.js'
import type { PackOptions } from './pack.js'
import { StorageRoot, checkFeedName } from '../storage.js'
import { parseFeedRef, toHex } from '../keys.js'
import { HyperfeedError, feedNotFound, feedNotStored, usage } from '../errors.js'

// How a command wants a feed:
//   read    what this storage holds, read-only (no lock, nothing created)
//   follow  a copy of someone's feed that fills up from peers
//   write   this storage's own feed NAME, created if new
//   check   read-only if this storage writes it, else follow it
export type FeedAccess = 'read' | 'follow' | 'write' | 'check'

export interface FeedReference {
  storage: string
  // a key (hex or z32) or a private feed's invite
  key?: string
  // a feed this storage writes
  name?: string
}

export interface OpenedFeed {
  feed: Feed
  // the feed's name when this storage writes it
  name: string | null
  // whether it is read from this storage only (no peers needed)
  local: boolean
}

// Opens the feed a command names by KEY, invite or --name: exactly one of them.
export async function openFeed (ref: FeedReference, { access, encrypt = false, pack = null, command = 'this command' }: { access: FeedAccess, encrypt?: boolean, pack?: PackOptions | null, command?: string }): Promise<OpenedFeed> {
  if ((ref.key === undefined) === (ref.name === undefined)) throw usage(`${command} needs either a feed KEY or --name NAME`)
  if (ref.name !== undefined) {
    const name = checkFeedName(ref.name)
    if (access === 'write') return { feed: await Feed.openWriterIn({ storage: ref.storage }, name, { encrypt, pack }), name, local: true }
    if (access === 'follow') throw usage(`${command} follows a feed by its KEY; --name is for this storage's own feed`)
    const root = await openExisting(ref.storage)
    const key = await root.writerKey(name)
    if (key === null) throw feedNotFound(name, root.dir)
    return { feed: await Feed.openAt(root.writerDir(name), key, { readOnly: true }), name, local: true }
  }

  const { key, encryptionKey } = parseFeedRef(ref.key!)
  if (access === 'write') throw usage(`${command} writes only this storage's own feeds: use --name NAME`)
  if (access === 'follow') return { feed: await Feed.openIn({ storage: ref.storage }, key, { encryptionKey }), name: null, local: false }
  const root = access === 'read' ? await openExisting(ref.storage) : await openExisting(ref.storage).catch(orNullIfMissing)
  const found = root === null ? null : await root.locate(key)
  if (access === 'check' && found?.writerName == null) {
    return { feed: await Feed.openIn({ storage: ref.storage }, key, { encryptionKey }), name: null, local: false }
  }
  if (found === null) throw feedNotStored(toHex(key), root!.dir)
  return { feed: await Feed.openAt(found.dir, key, { readOnly: true, encryptionKey }), name: found.writerName, local: true }
}

function openExisting (storage: string): Promise<StorageRoot> {
  return StorageRoot.open(storage, { create: false })
}

function orNullIfMissing (err: unknown): null {
  if (err instanceof HyperfeedError && err.code === 'STORAGE_MISSING') return null
  throw err
}
