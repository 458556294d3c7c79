import path from 'node:path'
import ReadyResource from 'ready-resource'
import { HyperfeedError } from '../errors.js'
import { toHex } from '../keys.js'
import { type SearchHit, type SearchOptions, SearchIndex } from './search-index.js'
import { type IndexSource, SearchUpdater } from './updater.js'

// A feed's or room's index lives beside the stores, never inside one (a
// Corestore moves files it does not know into its db/).
export function searchDir (storageRoot: string, key: Buffer): string {
  return path.join(storageRoot, 'search', toHex(key))
}

export interface LocalSearchOptions {
  room?: boolean
  isAdmin?: (author: string) => boolean
  // keep indexing entries as they arrive (a server); otherwise catch up before each query
  live?: boolean
}

// The search of one feed or room in a storage: the index on disk kept in step
// with the entries (built from nothing when missing). When another process
// holds the index, it is read as that process keeps it.
export class LocalSearch extends ReadyResource {
  private readonly dir: string
  private readonly key: Buffer
  private readonly source: IndexSource
  private readonly opts: LocalSearchOptions
  private index: SearchIndex | null = null
  private updater: SearchUpdater | null = null

  constructor (dir: string, key: Buffer, source: IndexSource, opts: LocalSearchOptions = {}) {
    super()
    this.dir = dir
    this.key = key
    this.source = source
    this.opts = opts
  }

  // false: another process keeps this index; answers are as of what it indexed
  get writable (): boolean { return this.updater !== null }

  protected override async _open (): Promise<void> {
    const identity = toHex(this.key)
    const { room = false, isAdmin } = this.opts
    const index = new SearchIndex(this.dir, { identity, room, isAdmin })
    try {
      await index.ready()
    } catch (err) {
      if (!(err instanceof HyperfeedError && err.code === 'STORAGE_LOCKED')) throw err
      const shared = new SearchIndex(this.dir, { identity, room, isAdmin, readOnly: true })
      await shared.ready()
      this.index = shared
      return
    }
    this.index = index
    const updater = new SearchUpdater(index, this.source)
    updater.on('error', (err: Error) => this.emit('warning', err))
    this.updater = updater
    if (this.opts.live === true) await updater.ready()
  }

  protected override async _close (): Promise<void> {
    await this.updater?.close()
    await this.index?.close()
  }

  async search (query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    await this.ready()
    await this.updater?.update()
    return this.index!.search(query, opts)
  }
}
