import fs from 'node:fs'
import path from 'node:path'
import crypto from 'hypercore-crypto'
import { tryLock, unlock } from 'fs-native-extensions'
import { storageUnusable } from '../errors.js'

// A storage root's network identity: the key pair its processes connect to
// mirrors with. blind-peering connects with its DHT node's default key pair,
// and a mirror announces the cores of the identities it trusts, so this key is
// what `hyperfeed id` prints and an operator passes to `mirror --trust`.
//
// It is not a Hyperswarm key pair (those stay one per feed or room): a mirror
// that announces a feed is found by the writer's swarm too, and two
// connections under one key are deduplicated by the mirror's Hyperswarm,
// each killing the other.
export const IDENTITY_FILE = 'identity'
const SEED_BYTES = 32
const SEED = /^[0-9a-f]{64}$/

export interface KeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

// Reads the identity of the storage root `dir`, creating it on first use.
export async function loadIdentity (dir: string): Promise<KeyPair> {
  const file = path.join(dir, IDENTITY_FILE)
  const seed = await readSeed(file) ?? await createSeed(file)
  return crypto.keyPair(seed)
}

async function readSeed (file: string): Promise<Buffer | null> {
  let text: string
  try {
    text = await fs.promises.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw storageUnusable(path.dirname(file), `cannot read ${IDENTITY_FILE}: ${(err as Error).message}`)
  }
  if (!SEED.test(text.trim())) throw storageUnusable(path.dirname(file), `${IDENTITY_FILE} is damaged (expected 64 hex characters)`)
  return Buffer.from(text.trim(), 'hex')
}

// Written aside and linked into place: of two processes creating it at once,
// one wins and both read the winner's.
async function createSeed (file: string): Promise<Buffer> {
  const tmp = `${file}.${process.pid}.tmp`
  await fs.promises.writeFile(tmp, crypto.randomBytes(SEED_BYTES).toString('hex') + '\n', { mode: 0o600 })
  try {
    await fs.promises.link(tmp, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storageUnusable(path.dirname(file), (err as Error).message)
  } finally {
    await fs.promises.rm(tmp, { force: true })
  }
  return (await readSeed(file))!
}

// The identity, held by this process alone until released. A mirror keeps one
// connection per client key: two processes of one storage connecting to the
// same mirror under the same key would kill each other's connection over and
// over. null when another process (or another hold here) has it.
export class IdentityHold {
  readonly keyPair: KeyPair
  private handle: fs.promises.FileHandle | null

  private constructor (keyPair: KeyPair, handle: fs.promises.FileHandle) {
    this.keyPair = keyPair
    this.handle = handle
  }

  static async acquire (dir: string): Promise<IdentityHold | null> {
    const keyPair = await loadIdentity(dir)
    const handle = await fs.promises.open(path.join(dir, IDENTITY_FILE), 'r+')
    // the lock belongs to the open file (an OFD lock): released when it is
    // closed or the process dies
    if (!tryLock(handle.fd)) {
      await handle.close()
      return null
    }
    return new IdentityHold(keyPair, handle)
  }

  get held (): boolean {
    return this.handle !== null
  }

  async release (): Promise<void> {
    const handle = this.handle
    if (handle === null) return
    this.handle = null
    unlock(handle.fd)
    await handle.close()
  }
}
