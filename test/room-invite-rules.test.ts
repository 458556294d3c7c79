import test from 'brittle'
import { type InviteTerms, MAX_VALID_FOR, describeInvite, entriesLeft, findInvite, inviteId, inviteState, mayRevoke, readValidFor } from '../src/room/invite-rules.js'

const ALICE = 'a'.repeat(64)
const BOB = 'b'.repeat(64)
const invite = (over: Partial<InviteTerms> = {}): InviteTerms => ({ by: ALICE, at: 10, validFor: null, usedBy: null, revoked: null, ...over })

test('an invite is open until used, revoked, its maker is removed, or it expires; used wins over the rest', (t) => {
  t.is(inviteState(invite(), { length: 1_000_000, makerIsMember: true }), 'open', 'no validity: open for good')
  t.is(inviteState(invite({ usedBy: BOB }), { length: 11, makerIsMember: true }), 'used')
  t.is(inviteState(invite({ revoked: { by: ALICE, seq: 12 } }), { length: 13, makerIsMember: true }), 'revoked')
  t.is(inviteState(invite(), { length: 13, makerIsMember: false }), 'maker-removed')
  t.is(inviteState(invite({ usedBy: BOB, revoked: { by: ALICE, seq: 12 } }), { length: 13, makerIsMember: false }), 'used', 'a used invite stays "used"')
  t.is(inviteState(invite({ revoked: { by: ALICE, seq: 12 }, validFor: 1 }), { length: 99, makerIsMember: false }), 'revoked')
})

test('valid for N entries: open while fewer than N entries entered the room after it, expired at N', (t) => {
  const i = invite({ at: 10, validFor: 5 })
  t.is(inviteState(i, { length: 10, makerIsMember: true }), 'open')
  t.is(entriesLeft(i, 10), 5)
  t.is(inviteState(i, { length: 14, makerIsMember: true }), 'open')
  t.is(entriesLeft(i, 14), 1)
  t.is(inviteState(i, { length: 15, makerIsMember: true }), 'expired')
  t.is(entriesLeft(i, 15), 0)
  t.is(entriesLeft(i, 99), 0)
  t.is(entriesLeft(invite(), 99), null)
  t.is(inviteState(invite({ at: 0, validFor: 1 }), { length: 1, makerIsMember: true }), 'expired', 'valid for 1: the very next entry ends it')
})

test('readValidFor: absent, or a whole number from 1 to the maximum; anything else voids the invite entry', (t) => {
  t.alike(readValidFor(undefined), { validFor: null })
  t.alike(readValidFor(null), { validFor: null })
  t.alike(readValidFor(1), { validFor: 1 })
  t.alike(readValidFor(MAX_VALID_FOR), { validFor: MAX_VALID_FOR })
  for (const bad of [0, -1, 1.5, MAX_VALID_FOR + 1, '10', Number.NaN, Infinity, [], {}]) t.is(readValidFor(bad), null, JSON.stringify(bad))
})

test('who may revoke: the maker or an admin, while members', (t) => {
  t.ok(mayRevoke(invite(), { key: ALICE, admin: false, member: true }), 'its maker')
  t.ok(mayRevoke(invite(), { key: BOB, admin: true, member: true }), 'an admin')
  t.absent(mayRevoke(invite(), { key: BOB, admin: false, member: true }), 'another member')
  t.absent(mayRevoke(invite(), { key: ALICE, admin: true, member: false }), 'a removed maker')
})

test('invite ids: 12 hex shown, any unique prefix of 6+ accepted', (t) => {
  const keys = ['abcdef' + '1'.repeat(58), 'abcdef' + '2'.repeat(58), '123456' + '0'.repeat(58)]
  t.is(inviteId(keys[0]!), 'abcdef111111')
  t.is(findInvite('abcdef1', keys), keys[0])
  t.is(findInvite(' ABCDEF2 ', keys), keys[1], 'case and spaces do not matter')
  t.is(findInvite('abcdef', keys), null, 'ambiguous')
  t.is(findInvite('12345', keys), null, 'too short')
  t.is(findInvite('fffffff', keys), null, 'none')
  t.is(findInvite('zzzzzz', keys), null, 'not hex')
  t.is(findInvite(keys[2]!, keys), keys[2], 'the whole key')
})

test('describeInvite says each state in words', (t) => {
  t.is(describeInvite('open', null), 'open')
  t.is(describeInvite('open', 1), 'open for 1 more entry')
  t.is(describeInvite('open', 40), 'open for 40 more entries')
  t.is(describeInvite('maker-removed', null), 'void: its maker was removed')
  t.is(describeInvite('expired', 0), 'expired')
})
