import test from 'brittle'
import { Room, Store, chat, parseRoomRef, type RoomEntry } from '../src/index.js'
import { replicate } from './helpers/index.js'

async function store (t: test.Assert) {
  const s = await Store.open(await t.tmp())
  t.teardown(() => s.close(), { order: 1 })
  return s
}

const texts = (entries: RoomEntry[]) => entries.map(e => 'value' in e ? (e.value.text ?? e.value.type) : '!')

test('room: create, invite, join, post from both, same order on both; a used invite lets nobody else in', { timeout: 60_000 }, async (t) => {
  const alice = await Room.create(await store(t), { nick: 'alice' })
  t.teardown(() => alice.close())
  const invite = await alice.createInvite()
  t.ok(invite.startsWith('hyperfeed-room:'))

  const ref = parseRoomRef(invite)
  const bob = new Room(await store(t), { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  t.teardown(() => bob.close())
  await bob.ready()
  replicate(t, alice, bob)
  const started = Date.now()
  const member = await bob.join(ref.invite!, { nick: 'bob', timeout: 15_000 })
  t.comment(`joined in ${Date.now() - started} ms`)
  t.is(member.nick, 'bob')
  t.is(member.invitedBy, alice.writerKey.toString('hex'))

  await alice.append([chat('alice', 'hi bob')])
  await bob.append([chat('bob', 'hi alice')])
  const deadline = Date.now() + 15_000
  while ((alice.length < 4 || bob.length < 4) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const a = await alice.read(0, alice.length)
  const b = await bob.read(0, bob.length)
  t.alike(texts(a), texts(b), 'the same order on both')
  t.is(a.length, 4)
  t.alike(a.map(e => e.author), b.map(e => e.author))
  const members = await alice.members()
  t.alike(members.map(m => m.nick), ['alice', 'bob'])

  // the invite is used: nobody else gets in with it
  const carol = new Room(await store(t), { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  t.teardown(() => carol.close())
  await carol.ready()
  replicate(t, alice, carol)
  await t.exception(carol.join(ref.invite!, { nick: 'carol', timeout: 15_000 }), /already used \(by bob\)/)
})

test('appends at the same moment each report where their entry landed in the member\'s core', async (t) => {
  const room = await Room.create(await store(t), { nick: 'alice' })
  t.teardown(() => room.close())
  const posts = Array.from({ length: 8 }, (_, i) => `at once ${i}`)
  const results = await Promise.all(posts.map(text => room.append([chat('alice', text)])))
  t.is(new Set(results.map(r => r.seq)).size, posts.length, `distinct seqs: ${results.map(r => r.seq).join(',')}`)
  await room.base.update()
  const mine = (await room.read(0, room.length)).filter(e => e.author === room.writerKey.toString('hex'))
  for (const [i, r] of results.entries()) {
    const entry = mine.find(e => e.authorSeq === r.seq)
    t.is(entry !== undefined && 'value' in entry ? entry.value.text : null, posts[i], `seq ${r.seq} is "${posts[i]}"`)
  }
})
