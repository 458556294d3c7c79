import safetyCatch from 'safety-catch'
import { notApplied, notMember } from '../errors.js'
import { toHex } from '../keys.js'
import { until } from '../wait.js'
import type { Room } from './room.js'

// the longest a member waits for what it posted to take effect in its own view
export const SETTLE_TIMEOUT = 30_000

export async function viewUntil (room: Room, check: () => Promise<boolean>, deadline: number, signal?: AbortSignal): Promise<boolean> {
  await room.base.update().catch(safetyCatch)
  return until(check, [{ emitter: room, event: 'update' }], { timeout: deadline - Date.now(), signal })
}

// Fails when this member is removed first: what it posts after that never enters the room.
export async function settled (room: Room, check: () => Promise<boolean>, what: string): Promise<void> {
  const done = await viewUntil(room, async () => (await check()) || !(await room.isMember()), Date.now() + SETTLE_TIMEOUT)
  if (done && await check()) return
  if (!(await room.isMember())) throw notMember(toHex(room.key))
  throw notApplied(what, SETTLE_TIMEOUT)
}
