import { bootstrapCore } from '../internals.js'
import type { Room } from './room.js'

export const KEY_CHECK_TIMEOUT = 10_000

// Whether this copy's encryption key opens the room: the creator's first block
// (the room's creation entry) decodes as a JSON entry only under the right key.
// null: not known yet (no block of the creator's seen).
export async function keyOpensRoom (room: Room): Promise<boolean | null> {
  const core = bootstrapCore(room.base)
  if (core.length === 0) return null
  let block: unknown
  try {
    block = await core.get(0, { timeout: KEY_CHECK_TIMEOUT })
  } catch (err) {
    // a timeout says nothing about the key; a decoding failure does
    if ((err as { code?: string }).code === 'REQUEST_TIMEOUT') return null
    return false
  }
  const value = (block as { node?: { value?: Buffer | null } } | null)?.node?.value
  if (value == null) return null
  try {
    const entry = JSON.parse(value.toString('utf8')) as { type?: unknown }
    return typeof entry?.type === 'string'
  } catch {
    return false
  }
}
