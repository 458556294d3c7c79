import test from 'brittle'
import crypto from 'hypercore-crypto'
import { Room, Store, chat, encodeEntry, parseRoomRef, type RoomInvite } from '../src/index.js'
import { invitePublicKey, signJoin } from '../src/room/invites.js'
import { viewUntil } from '../src/room/settle.js'
import { replicate, runCli } from './helpers/index.js'
import { createRoom, joinRoom, stop } from './helpers/rooms.js'

async function store (t: test.Assert) {
  const s = await Store.open(await t.tmp())
  t.teardown(() => s.close(), { order: 1 })
  return s
}

const soon = () => Date.now() + 15_000
const idOf = (invite: string) => crypto.keyPair(parseRoomRef(invite).invite!.seed).publicKey.toString('hex').slice(0, 12)

// a join written straight to the core, past the client's own checks: only apply judges it
async function forceJoin (room: Room, invite: RoomInvite, nick: string): Promise<void> {
  await room.base.append(encodeEntry({ type: 'room/join', invite: invitePublicKey(invite), nick, signature: signJoin(invite, room.writerKey) }), { optimistic: true })
}

test('apply refuses joins with an invite whose maker was removed, a revoked one and an expired one', { timeout: 90_000 }, async (t) => {
  const alice = await Room.create(await store(t), { nick: 'alice' })
  t.teardown(() => alice.close())
  const first = parseRoomRef(await alice.createInvite()).invite!
  const bob = new Room(await store(t), { key: first.roomKey, encryptionKey: first.encryptionKey })
  t.teardown(() => bob.close())
  await bob.ready()
  replicate(t, alice, bob)
  await bob.join(first, { nick: 'bob', timeout: 15_000 })

  const fromBob = parseRoomRef(await bob.createInvite()).invite!
  t.ok(await viewUntil(alice, async () => (await alice.invite(invitePublicKey(fromBob))) !== null, soon()), 'alice knows bob\'s invite')
  const revoked = await alice.createInvite()
  const expiring = await alice.createInvite({ validFor: 1 })
  const good = parseRoomRef(await alice.createInvite()).invite!
  t.is((await alice.uninvite(idOf(revoked))).state, 'revoked')
  await t.exception(bob.uninvite(idOf(expiring)), /only the member who made an invite, or the room's creator/)
  await alice.remove(bob.writerKey.toString('hex'))
  await alice.append([chat('alice', 'one more entry')])

  const states = Object.fromEntries((await alice.invites()).map(i => [i.id, i.state]))
  t.alike(states, { [invitePublicKey(first).slice(0, 12)]: 'used', [invitePublicKey(fromBob).slice(0, 12)]: 'maker-removed', [idOf(revoked)]: 'revoked', [idOf(expiring)]: 'expired', [invitePublicKey(good).slice(0, 12)]: 'open' })
  t.is((await alice.invites()).find(i => i.state === 'maker-removed')?.nick, 'bob', 'listed with its maker')

  const carol = new Room(await store(t), { key: first.roomKey, encryptionKey: first.encryptionKey })
  t.teardown(() => carol.close())
  await carol.ready()
  replicate(t, alice, carol)
  for (const bad of [fromBob, parseRoomRef(revoked).invite!, parseRoomRef(expiring).invite!]) await forceJoin(carol, bad, 'carol')
  // the good join comes after the three in carol's core: alice has judged them when she takes it
  const member = await carol.join(good, { nick: 'carol', timeout: 15_000 })
  t.is(member.invitedBy, alice.writerKey.toString('hex'), 'carol is in through alice\'s open invite only')
  for (const bad of [fromBob, parseRoomRef(revoked).invite!, parseRoomRef(expiring).invite!]) {
    t.is((await alice.invite(invitePublicKey(bad)))?.usedBy, null, 'the refused invite stays unused')
  }
})

test('room invites, /invites, /uninvite and room uninvite: a removed maker\'s invite and a revoked one are refused', { timeout: 180_000 }, async (t) => {
  const { flag } = await import('./helpers/index.js').then(h => h.testnet(t))
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  bob.cli!.write('/invite\n')
  const fromBob = (await bob.cli!.errLine(/^invite: /)).slice('invite: '.length)
  bob.cli!.write('made one\n')
  await alice.cli!.line(/bob: made one$/, { timeout: 20_000 })
  alice.cli!.write('/invites\n')
  await alice.cli!.errLine(new RegExp(`^${idOf(fromBob)}  by bob \\([0-9a-f]{12}\\)  open$`))

  alice.cli!.write('/members\n')
  const bobKey = (await alice.cli!.errLine(/ bob  added by alice/)).split(' ')[0]!
  alice.cli!.write(`/remove ${bobKey}\n`)
  await alice.cli!.errLine(`removed bob (${bobKey})`)
  const voided = await runCli(['room', 'join', fromBob, '--nick', 'dave', '--timeout', '15', ...net], { storage: await t.tmp() })
  t.is(voided.code, 1)
  t.alike(voided.stderr.filter(l => l.startsWith('hyperfeed:')), ['hyperfeed: this invite is void: its maker was removed: ask a member for a new one'])

  alice.cli!.write('/invite\n')
  const second = (await alice.cli!.errLine(/^invite: /)).slice('invite: '.length)
  alice.cli!.write(`/uninvite ${idOf(second)}\n`)
  await alice.cli!.errLine(`revoked invite ${idOf(second)} (made by alice)`)
  const refused = await runCli(['room', 'join', second, '--nick', 'erin', '--timeout', '15', ...net], { storage: await t.tmp() })
  t.is(refused.code, 1)
  t.alike(refused.stderr.filter(l => l.startsWith('hyperfeed:')), ['hyperfeed: this invite is revoked: ask a member for a new one'])
  await Promise.all([stop(alice), stop(bob)])

  const third = (await runCli(['room', 'invite', '--name', 'r', '--valid-for', '5'], { storage: alice.storage })).out.trim()
  const open = await runCli(['room', 'invites', '--name', 'r'], { storage: alice.storage })
  t.alike(open.stdout.map(l => l.split('  ')[0]), [idOf(third)], 'only the open invite by default')
  t.ok(open.stdout[0]!.endsWith('open for 5 more entries'), open.stdout[0])
  t.is((await runCli(['room', 'uninvite', idOf(third), '--name', 'r'], { storage: alice.storage })).err.trim(), `revoked invite ${idOf(third)} (made by alice)`)
  const all = (await runCli(['room', 'invites', '--name', 'r', '--all', '--json'], { storage: alice.storage })).stdout.map(l => JSON.parse(l))
  t.alike(all.map(i => i.state), ['used', 'maker-removed', 'revoked', 'revoked'])
})
