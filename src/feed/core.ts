import type Hypercore from 'hypercore'
import safetyCatch from 'safety-catch'
import { notEncrypted } from '../errors.js'
import { followerCoreOptions, hasNamedCore } from '../internals.js'
import type { Store } from '../storage.js'

// Hypercore's default is [16, 512]: more in flight keeps a fast peer busy during a cold sync
const INFLIGHT_RANGE: [number, number] = [256, 1024]
const ENCRYPTION_KEY = 'hyperfeed/encryption-key'
// bound to the key by the manifest: a viewer without the invite knows why it cannot read
const ENCRYPTED_MARK = Buffer.from('hyperfeed:encrypted')

export function isEncryptedManifest (manifest: { userData?: Buffer | null } | null): boolean {
  return manifest?.userData?.equals(ENCRYPTED_MARK) ?? false
}

// A new private core's block key is derived from the store, never stored.
export async function openWriterCore (store: Store, name: string, encrypt: boolean): Promise<Hypercore> {
  const corestore = store.corestore
  // an existing core keeps its own manifest
  const create = encrypt && !(await hasNamedCore(corestore, name))
  const manifest = create ? { version: 2, signers: [{ publicKey: (await corestore.createKeyPair(name)).publicKey }], userData: ENCRYPTED_MARK } : undefined
  const core = corestore.get({ name, ...(manifest ? { manifest } : {}) })
  await openCore(core, async () => {
    if (isEncryptedManifest(core.manifest)) {
      const { secretKey } = await corestore.createKeyPair('hyperfeed/encryption/' + name)
      await core.setEncryptionKey(Buffer.from(secretKey.subarray(0, 32)))
    } else if (encrypt) {
      throw notEncrypted(name)
    }
  })
  return core
}

// A private feed's key (from its invite) is kept with the copy.
export async function openCopyCore (store: Store, key: Buffer, encryptionKey: Buffer | null): Promise<Hypercore> {
  const core = store.corestore.get({ key, ...followerCoreOptions(INFLIGHT_RANGE) })
  await openCore(core, async () => {
    const stored = await core.getUserData(ENCRYPTION_KEY)
    const secret = encryptionKey ?? (stored !== null && stored.length === 32 ? stored : null)
    if (secret === null) return
    await core.setEncryptionKey(secret)
    if (encryptionKey !== null && !store.readOnly && !(stored?.equals(encryptionKey) ?? false)) await core.setUserData(ENCRYPTION_KEY, encryptionKey)
  })
  return core
}

async function openCore (core: Hypercore, setup: () => Promise<void>): Promise<void> {
  try {
    await core.ready()
    await setup()
  } catch (err) {
    await core.close().catch(safetyCatch)
    throw err
  }
}
