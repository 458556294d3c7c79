import { Feed } from './feed.js'
import type { PackOptions } from './pack.js'
import { StorageRoot, checkFeedName } from '../storage.js'
import { parseFeedRef, toHex } from '../keys.js'
import { HyperfeedError, feedNotFound, feedNotStored, usage } from '../errors.js'

// read: held here, read-only; follow: a copy from peers; write: this storage's own feed;
// check: read-only if this storage writes it, else follow it
export type FeedAccess = 'read' | 'follow' | 'write' | 'check'

export interface FeedReference {
  storage: string
  // a key or an invite
  key?: string
  name?: string
}

export interface OpenedFeed {
  feed: Feed
  name: string | null
  local: boolean
}

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
