import { usage } from '../../errors.js'
import type { RoleChange } from '../../room/promote.js'

const ROLES = ['both', 'admin', 'indexer']

// `room promote` / `room demote`, and the chat's /promote and /demote: KEY... [--role R]
export function roleChange (role: string | undefined, to: boolean): RoleChange {
  const r = role ?? 'both'
  if (!ROLES.includes(r)) throw usage(`--role is one of ${ROLES.join(', ')}, not ${JSON.stringify(r)}`)
  return { admin: r === 'indexer' ? undefined : to, indexer: r === 'admin' ? undefined : to }
}

export function memberKeys (input: string | undefined, cmd: string): string[] {
  const keys = (input ?? '').split(/[\s,]+/).filter(Boolean)
  if (keys.length === 0 || !keys.every(k => /^[0-9a-fA-F]{64}$/.test(k))) throw usage(`${cmd} needs MEMBER_KEY[,MEMBER_KEY...] (64 hex characters each, as room info lists them)`)
  return keys
}

export function roleText (m: { admin?: boolean, indexer?: boolean, invitedBy: string | null }): string {
  const admin = m.admin ?? m.invitedBy === null
  const indexer = m.indexer ?? m.invitedBy === null
  return [admin ? 'admin' : '', indexer ? 'indexer' : ''].filter(Boolean).join(', ') || 'member'
}
