import safetyCatch from 'safety-catch'
import { notApplied, notMember } from '../errors.js'
import { toHex } from '../keys.js'
import { until } from '../wait.js'
import type { Room } from './room.js'

// the longest a member waits for what it posted to take effect in its own view
export const SETTLE_TIMEOUT = 30_000

// Whether `check` holds by `deadline`, checked again each time the view changes.
export async function viewUntil (room: Room, check: () => Promise<boolean>, deadline: number, signal?: AbortSignal): Promise<boolean> {
  await room.base.update().catch(safetyCatch)
  return until(check, [{ emitter: room, event: 'update' }], { timeout: deadline - Date.now(), signal })
}

// Resolves once what this member just posted took effect (`check`); fails
// when it is removed first (what it posted after that never enters the room)
// or after SETTLE_TIMEOUT.
export async function settled (room: Room, check: () => Promise<boolean>, what: string): Promise<void> {
  const done = await viewUntil(room, async () => (await check()) || !(await room.isMember()), Date.now() + SETTLE_TIMEOUT)
  if (done && await check()) return
  if (!(await room.isMember())) throw notMember(toHex(room.key))
  throw notApplied(what, SETTLE_TIMEOUT)
}
