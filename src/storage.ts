import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Corestore from 'corestore'
import { coreStorage } from './internals.js'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type HyperfeedError, foreignDirectory, notOpen, storageLocked, storageMissing, storageUnusable, usage } from './errors.js'
import { toHex } from './keys.js'

// A storage root (--storage): HYPERFEED (the marker), writers/<name>/ and <name>.key (a feed
// this root writes, and its key for `info KEY`), feeds/<key>/ (a followed copy), rooms/<name>/ and
// <name>.json (for `room list`). One corestore per feed: each process locks only the one it uses.
export const MARKER = 'HYPERFEED'
const MARKER_CONTENT = JSON.stringify({ hyperfeed: 1 }) + '\n'
const CORESTORE_MARKER = 'CORESTORE'
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const WRITE_BUFFER_SIZE = 4 * 1024 * 1024

export function defaultStorageDir (env: NodeJS.ProcessEnv = process.env): string {
  if (env.HYPERFEED_STORAGE) return path.resolve(env.HYPERFEED_STORAGE)
  const home = os.homedir()
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'hyperfeed')
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'hyperfeed')
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'hyperfeed')
}

export function checkFeedName (name: string): string {
  if (!NAME.test(name)) throw usage(`invalid feed name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`)
  return name
}

export function checkRoomName (name: string): string {
  if (!NAME.test(name)) throw usage(`invalid room name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`)
  return name
}

// Kept beside the room's storage, readable while another process holds the room open.
export interface RoomSummary {
  key: string
  members: number
  length: number
  joined: boolean
}

export class StorageRoot {
  readonly dir: string

  private constructor (dir: string) {
    this.dir = dir
  }

  // Never touches a directory that is neither empty nor hyperfeed storage.
  static async open (dir: string, { create = true } = {}): Promise<StorageRoot> {
    const abs = path.resolve(dir)
    const entries = await listDir(abs)
    if (entries === null) {
      if (!create) throw storageMissing(abs)
      await guarded(abs, () => makeDir(abs))
      await guarded(abs, () => fs.promises.writeFile(path.join(abs, MARKER), MARKER_CONTENT, { flag: 'wx' }).catch(ignoreExists))
    } else if (!entries.includes(MARKER)) {
      if (entries.length > 0) throw foreignDirectory(abs)
      if (!create) throw storageMissing(abs)
      await guarded(abs, () => fs.promises.writeFile(path.join(abs, MARKER), MARKER_CONTENT, { flag: 'wx' }).catch(ignoreExists))
    }
    return new StorageRoot(abs)
  }

  writerDir (name: string): string {
    return path.join(this.dir, 'writers', checkFeedName(name))
  }

  feedDir (key: Buffer): string {
    return path.join(this.dir, 'feeds', toHex(key))
  }

  async recordWriterKey (name: string, key: Buffer): Promise<void> {
    const file = this.writerDir(name) + '.key'
    const hex = toHex(key)
    const existing = await fs.promises.readFile(file, 'utf8').catch(() => null)
    if (existing?.trim() === hex) return
    await guarded(this.dir, () => replaceFile(file, hex + '\n'))
  }

  async locate (key: Buffer): Promise<{ dir: string, writerName: string | null } | null> {
    const hex = toHex(key)
    const writers = path.join(this.dir, 'writers')
    for (const file of (await listDir(writers)) ?? []) {
      if (!file.endsWith('.key')) continue
      const content = await fs.promises.readFile(path.join(writers, file), 'utf8').catch(() => '')
      if (content.trim() === hex) return { dir: path.join(writers, file.slice(0, -4)), writerName: file.slice(0, -4) }
    }
    const feed = this.feedDir(key)
    if ((await listDir(feed))?.includes(CORESTORE_MARKER)) return { dir: feed, writerName: null }
    return null
  }

  roomDir (name: string): string {
    return path.join(this.dir, 'rooms', checkRoomName(name))
  }

  async roomSummary (name: string): Promise<RoomSummary | null> {
    if (!((await listDir(this.roomDir(name)))?.includes(CORESTORE_MARKER) ?? false)) return null
    try {
      const summary = JSON.parse(await fs.promises.readFile(this.roomDir(name) + '.json', 'utf8')) as RoomSummary
      return /^[0-9a-f]{64}$/.test(summary.key) ? summary : null
    } catch {
      return null
    }
  }

  async recordRoom (name: string, summary: RoomSummary): Promise<void> {
    const file = this.roomDir(name) + '.json'
    await guarded(this.dir, () => replaceFile(file, JSON.stringify(summary) + '\n'))
  }

  async rooms (): Promise<{ name: string, summary: RoomSummary }[]> {
    const out = []
    for (const file of (await listDir(path.join(this.dir, 'rooms'))) ?? []) {
      if (!file.endsWith('.json')) continue
      const name = file.slice(0, -5)
      const summary = await this.roomSummary(name)
      if (summary !== null) out.push({ name, summary })
    }
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async discardRoom (name: string): Promise<void> {
    await fs.promises.rm(this.roomDir(name), { recursive: true, force: true })
    await fs.promises.rm(this.roomDir(name) + '.json', { force: true })
  }

  async discardWriter (name: string): Promise<void> {
    await fs.promises.rm(this.writerDir(name), { recursive: true, force: true })
    await fs.promises.rm(this.writerDir(name) + '.key', { force: true })
  }

  async writerKey (name: string): Promise<Buffer | null> {
    if (!((await listDir(this.writerDir(name)))?.includes(CORESTORE_MARKER) ?? false)) return null
    const hex = (await fs.promises.readFile(this.writerDir(name) + '.key', 'utf8').catch(() => '')).trim()
    return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : null
  }
}

export async function diskUsage (dir: string): Promise<number> {
  let total = 0
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) total += await diskUsage(p)
    else total += (await fs.promises.stat(p).catch(() => null))?.size ?? 0
  }
  return total
}

// readOnly takes no lock, so `info` works beside a running writer.
export class Store extends ReadyResource {
  readonly dir: string
  readonly readOnly: boolean
  private store: Corestore | null = null

  constructor (dir: string, { readOnly = false } = {}) {
    super()
    this.dir = path.resolve(dir)
    this.readOnly = readOnly
  }

  static async open (dir: string, opts: { readOnly?: boolean } = {}): Promise<Store> {
    const store = new Store(dir, opts)
    await store.ready()
    return store
  }

  get corestore (): Corestore {
    if (this.store === null) throw notOpen(`storage ${this.dir}`)
    return this.store
  }

  protected override async _open (): Promise<void> {
    const { dir, readOnly } = this
    const entries = await listDir(dir)
    if (entries === null) {
      if (readOnly) throw storageMissing(dir)
      await guarded(dir, () => makeDir(dir))
    } else if (entries.length > 0 && !entries.includes(CORESTORE_MARKER)) {
      throw foreignDirectory(dir)
    }
    if (!readOnly) await guarded(dir, () => fs.promises.access(dir, fs.constants.W_OK))
    // RocksDB's default memtables (two of 64 MiB) were most of a viewer's memory.
    const corestore = new Corestore(coreStorage(dir, { readOnly, writeBufferSize: WRITE_BUFFER_SIZE }), { readOnly })
    try {
      await corestore.ready()
    } catch (err) {
      await corestore.close().catch(safetyCatch)
      throw storageError(dir, err)
    }
    this.store = corestore
  }

  protected override async _close (): Promise<void> {
    await this.store?.close()
  }
}

function storageError (dir: string, err: unknown): HyperfeedError {
  const message = err instanceof Error ? err.message : String(err)
  if (/could not be locked/i.test(message)) return storageLocked(dir)
  return storageUnusable(dir, message)
}

// A crash mid-write leaves the old file, never a truncated one.
async function replaceFile (file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await fs.promises.writeFile(tmp, content)
    await fs.promises.rename(tmp, file)
  } catch (err) {
    await fs.promises.rm(tmp, { force: true })
    throw err
  }
}

// One level at a time: a recursive mkdir reports ENOENT where the reason is EROFS or EACCES.
async function makeDir (dir: string): Promise<void> {
  const parent = path.dirname(dir)
  if (parent !== dir && !fs.existsSync(parent)) await makeDir(parent)
  await fs.promises.mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err
  })
}

async function listDir (dir: string): Promise<string[] | null> {
  try {
    return await fs.promises.readdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    if (code === 'ENOTDIR') throw storageUnusable(dir, 'it is a file, not a directory')
    if (code === 'EACCES' || code === 'EPERM') throw storageUnusable(dir, 'permission denied')
    throw storageUnusable(dir, (err as Error).message)
  }
}

async function guarded<T> (dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') throw storageUnusable(dir, 'permission denied')
    if (code === 'EROFS') throw storageUnusable(dir, 'read-only file system')
    if (code === 'ENOSPC') throw storageUnusable(dir, 'no space left on device')
    if (code === 'ENOTDIR' || code === 'EEXIST') throw storageUnusable(dir, 'a file is in the way')
    throw err
  }
}

function ignoreExists (err: NodeJS.ErrnoException) {
  if (err.code !== 'EEXIST') throw err
}
