// When an invite lets someone in: the rule apply checks at a join and that
// `room invites` shows. No clock: an invite's life is counted in room entries.
//  - it is refused once used, once revoked (room/uninvite by its maker or an
//    admin), and once its maker is no longer a member (removed before the join);
//  - made with a validity of N entries, it is refused once N entries have
//    entered the room's log after it (the log length at the invite, `at`, is
//    recorded by apply; every member holding the same entries counts alike).
// Like every rule of apply, the outcome is fixed once the room has settled the
// entries before the join; until then concurrent entries may move it.
export const MAX_VALID_FOR = 10_000_000
export const INVITE_ID_LENGTH = 12

export interface InviteTerms {
  // the member who made it (hex writer key)
  by: string
  // the room log's length when apply recorded it
  at: number
  // entries of the room it stays valid for (null: until used or revoked)
  validFor: number | null
  usedBy: string | null
  revoked: { by: string, seq: number } | null
}

export type InviteState = 'open' | 'used' | 'revoked' | 'maker-removed' | 'expired'

export interface InviteContext {
  // the room log's length now (at the join being judged)
  length: number
  // whether the maker is a member now (joined and not removed)
  makerIsMember: boolean
}

export function inviteState (invite: InviteTerms, { length, makerIsMember }: InviteContext): InviteState {
  if (invite.usedBy !== null) return 'used'
  if (invite.revoked !== null) return 'revoked'
  if (!makerIsMember) return 'maker-removed'
  if (invite.validFor !== null && length - invite.at >= invite.validFor) return 'expired'
  return 'open'
}

// How many more entries may enter the room before the invite expires (null: no limit).
export function entriesLeft (invite: InviteTerms, length: number): number | null {
  return invite.validFor === null ? null : Math.max(0, invite.at + invite.validFor - length)
}

// The validity an invite entry asks for, as apply reads it: a whole number from
// 1 to MAX_VALID_FOR, or absent; anything else is not a valid invite entry.
export function readValidFor (value: unknown): { validFor: number | null } | null {
  if (value === undefined || value === null) return { validFor: null }
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_VALID_FOR) return null
  return { validFor: value as number }
}

// Who may revoke: the invite's maker, or an admin, while a member.
export function mayRevoke (invite: InviteTerms, actor: { key: string, admin: boolean, member: boolean }): boolean {
  return actor.member && (actor.admin || actor.key === invite.by)
}

// An invite's short id, as `room invites` lists it and `room uninvite ID` takes
// it: the start of its public key (hex).
export function inviteId (publicKey: string): string {
  return publicKey.slice(0, INVITE_ID_LENGTH)
}

// The invite an id (or a whole public key) names among `publicKeys`: null when
// none or more than one start with it.
export function findInvite (id: string, publicKeys: string[]): string | null {
  const wanted = id.trim().toLowerCase()
  if (!/^[0-9a-f]{6,64}$/.test(wanted)) return null
  const found = publicKeys.filter(k => k.startsWith(wanted))
  return found.length === 1 ? found[0]! : null
}

// What `room invites` says of an invite's state, in words.
export function describeInvite (state: InviteState, left: number | null): string {
  switch (state) {
    case 'open': return left === null ? 'open' : `open for ${left} more ${left === 1 ? 'entry' : 'entries'}`
    case 'used': return 'used'
    case 'revoked': return 'revoked'
    case 'maker-removed': return 'void: its maker was removed'
    case 'expired': return 'expired'
  }
}
