import test from 'brittle'
import {
  MAX_INDEXERS, type RoleMember, admins, checkAdmin, checkIndexerSet, checkRemove, describeIndexers, indexerChanges, indexers, indexersAfterRemoval, quorum, tolerates
} from '../src/room/roles.js'

const k = (c: string) => c.repeat(64)
const m = (c: string, since: number, over: Partial<RoleMember> = {}): RoleMember => ({ key: k(c), member: true, admin: false, indexer: false, since, ...over })

test('quorum: a majority of indexers; 2 tolerate no absence, 3 one, 5 two', (t) => {
  t.alike([1, 2, 3, 4, 5, 6, 7].map(quorum), [1, 2, 2, 3, 3, 4, 4])
  t.alike([1, 2, 3, 4, 5, 6, 7].map(tolerates), [0, 0, 1, 1, 2, 2, 3])
  t.is(describeIndexers(1), 'settles only while that indexer is online')
  t.is(describeIndexers(3), 'settles while 2 of 3 are online (1 may be away)')
})

test('an indexer set is an odd number of 1 to 7 distinct members, chosen by an admin', (t) => {
  const list = [m('a', 0, { admin: true, indexer: true }), m('b', 1), m('c', 2), m('d', 3), m('e', 4, { member: false })]
  t.is(checkIndexerSet(list, k('a'), [k('a'), k('b'), k('c')]), null)
  t.is(checkIndexerSet(list, k('b'), [k('b')]), 'only an admin can choose the indexers')
  t.ok(/even number .* pick 1 or 3/.test(checkIndexerSet(list, k('a'), [k('a'), k('b')]) ?? ''))
  t.ok(/1 to 7/.test(checkIndexerSet(list, k('a'), []) ?? ''))
  const many = Array.from({ length: 9 }, (_, i) => m(String.fromCharCode(102 + i), 10 + i))
  t.ok(/1 to 7/.test(checkIndexerSet([...list, ...many], k('a'), many.map(x => x.key)) ?? ''), `at most ${MAX_INDEXERS}`)
  t.is(checkIndexerSet(list, k('a'), [k('a'), k('a'), k('b')]), 'an indexer is named twice')
  t.ok(/is not a member/.test(checkIndexerSet(list, k('a'), [k('a'), k('b'), k('e')]) ?? ''), 'a removed member')
  t.ok(/is not a member/.test(checkIndexerSet(list, k('a'), [k('a'), k('b'), k('z')]) ?? ''), 'a stranger')
})

test('moving the indexers: promotions before demotions, so the set is never empty', (t) => {
  t.alike(indexerChanges([k('a')], [k('b'), k('c'), k('d')]), { promote: [k('b'), k('c'), k('d')], demote: [k('a')] })
  t.alike(indexerChanges([k('a'), k('b'), k('c')], [k('a'), k('b'), k('c')]), { promote: [], demote: [] })
})

test('removing an indexer keeps an odd set: replaced by the first admin, then the first member; else one fewer', (t) => {
  const base = [m('a', 0, { admin: true, indexer: true }), m('b', 1, { indexer: true }), m('c', 2, { indexer: true }), m('d', 3), m('e', 4, { admin: true })]
  t.alike(indexersAfterRemoval(base, k('c')), [k('a'), k('b'), k('e')], 'the admin e before the older member d')
  t.alike(indexersAfterRemoval(base, k('d')), [k('a'), k('b'), k('c')], 'not an indexer: unchanged')
  const noSpare = [m('a', 0, { admin: true, indexer: true }), m('b', 1, { indexer: true }), m('c', 2, { indexer: true }), m('x', 3, { member: false })]
  t.alike(indexersAfterRemoval(noSpare, k('a')), [k('b')], 'no one to promote: down to 1, the first by rank')
  t.is(indexersAfterRemoval([m('a', 0, { admin: true, indexer: true }), m('b', 1)].slice(0, 1), k('a')), null, 'the only indexer')
  // the same answer whatever order the list comes in
  for (let i = 0; i < 10; i++) t.alike(indexersAfterRemoval([...base].sort(() => Math.random() - 0.5), k('c')), [k('a'), k('b'), k('e')])
})

test('removal: an admin removes anyone but the last admin or the only indexer; a member may leave', (t) => {
  const list = [m('a', 0, { admin: true, indexer: true }), m('b', 1), m('c', 2, { admin: true }), m('x', 3, { member: false })]
  t.is(checkRemove(list, k('a'), k('b')), null)
  t.is(checkRemove(list, k('a'), k('c')), null, 'an admin removes another admin')
  t.is(checkRemove(list, k('b'), k('b')), null, 'a member leaves')
  t.is(checkRemove(list, k('b'), k('c')), 'only an admin can remove another member')
  t.ok(/not a member/.test(checkRemove(list, k('a'), k('x')) ?? ''), 'already removed')
  t.ok(/only indexer/.test(checkRemove(list, k('c'), k('a')) ?? ''), 'the only indexer')
  const oneAdmin = [m('a', 0, { admin: true }), m('b', 1, { indexer: true, admin: false })]
  t.ok(/last admin/.test(checkRemove(oneAdmin, k('a'), k('a')) ?? ''), 'the last admin cannot leave')
  t.ok(/last admin/.test(checkRemove([m('a', 0, { admin: true, indexer: true }), m('b', 1, { admin: true, indexer: true }), m('c', 2, { indexer: true })].map((x, i) => i === 1 ? { ...x, admin: false } : x), k('a'), k('a')) ?? ''))
})

test('admins: granted and taken by admins; the last admin stays', (t) => {
  const list = [m('a', 0, { admin: true, indexer: true }), m('b', 1)]
  t.is(checkAdmin(list, k('a'), k('b'), true), null)
  t.is(checkAdmin(list, k('b'), k('b'), true), 'only an admin can change who is an admin')
  t.ok(/last admin/.test(checkAdmin(list, k('a'), k('a'), false) ?? ''))
  t.is(checkAdmin([...list.slice(0, 1), m('b', 1, { admin: true })], k('b'), k('a'), false), null, 'one admin demotes another')
  t.alike(admins([m('b', 5, { admin: true }), m('a', 5, { admin: true }), m('c', 1, { admin: true, member: false })]), [k('a'), k('b')], 'by since, then key; members only')
  t.alike(indexers([m('b', 2, { indexer: true }), m('a', 3, { indexer: true })]), [k('b'), k('a')])
})
