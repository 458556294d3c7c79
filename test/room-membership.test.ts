import test from 'brittle'
import Autobase from 'autobase'
import { Network, Room, Store, chat, encodeEntry, parseRoomRef } from '../src/index.js'
import { filesContain, foundInPlainFeed, netOptions, runCli, sleep, testnet } from './helpers/index.js'
import { createRoom, joinRoom, once, stop, texts } from './helpers/rooms.js'

test('a removed member\'s later posts never enter the room; only an admin removes', { timeout: 180_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  alice.cli!.write('/invite\n')
  const second = (await alice.cli!.errLine(/^invite: /)).slice('invite: '.length)
  const carol = await joinRoom(t, second, net, { nick: 'carol' })
  bob.cli!.write('before removal\n')
  await carol.cli!.line(/bob: before removal$/)

  // bob's member key, as the room lists it
  alice.cli!.write('/members\n')
  const bobKey = (await alice.cli!.errLine(/ bob  added by alice/)).split(' ')[0]!
  t.ok(/^[0-9a-f]{64}$/.test(bobKey), `bob's key: ${bobKey}`)

  // carol is not the creator: refused, and bob is still a member
  carol.cli!.write(`/remove ${bobKey}\n`)
  await carol.cli!.errLine(/refused: only an admin can remove another member/)
  bob.cli!.write('still a member\n')
  await carol.cli!.line(/bob: still a member$/)
  await alice.cli!.line(/bob: still a member$/)
  const busy = await runCli(['room', 'info', '--name', 'r', '--json'], { storage: alice.storage })
  t.is(busy.code, 1, 'room info refuses while the chat holds the room')
  t.ok(/open in another hyperfeed process/.test(busy.err), busy.err)

  alice.cli!.write(`/remove ${bobKey}\n`)
  await alice.cli!.errLine(`removed bob (${bobKey})`)
  await carol.cli!.line(/^\* alice removed bob$/, { timeout: 20_000 })
  await bob.cli!.line(/^\* alice removed bob$/, { timeout: 20_000 })

  bob.cli!.write('after removal\n')
  await bob.cli!.errLine(/^hyperfeed: you were removed from r by alice: /)
  await Promise.all([stop(alice), stop(bob), stop(carol)])
  const r = await once(alice, ['--no-swarm', '--peer', 'ws://127.0.0.1:9'], { timeout: 1 })
  t.alike(texts(r.stdout), ['before removal', 'still a member'], 'nothing bob posted after the removal')
  const info = JSON.parse((await runCli(['room', 'info', '--name', 'r', '--json'], { storage: alice.storage })).out)
  const [aliceRecord, bobRecord, carolRecord] = ['alice', 'bob', 'carol'].map(nick => info.members.find((m: { nick: string }) => m.nick === nick))
  t.is(bobRecord?.key, bobKey)
  t.is(bobRecord?.removed?.by, aliceRecord?.key, 'bob is listed as removed, by alice')
  t.is(carolRecord?.removed, null, 'carol is still a member')
  const refused = await runCli(['room', 'remove', aliceRecord.key, '--name', 'r'], { storage: carol.storage })
  t.is(refused.code, 1)
  t.alike(refused.stderr, ['hyperfeed: refused: only an admin can remove another member'])
})

test('bad and used invites: one line each, nothing left behind, the room is untouched', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  for (const bad of ['hyperfeed-room:nope', 'hyperfeed-room:' + 'y'.repeat(52), 'hello', invite + 'x']) {
    const r = await runCli(['room', 'join', bad, ...net], { storage: await t.tmp() })
    t.is(r.code, 2, `${bad.slice(0, 30)}: exit 2`)
    t.is(r.stderr.length, 1)
    t.ok(/^hyperfeed: not a room invite/.test(r.stderr[0]!), r.err)
  }
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  const storage = await t.tmp()
  const used = await runCli(['room', 'join', invite, '--nick', 'mallory', '--timeout', '15', ...net], { storage })
  t.is(used.code, 1)
  t.alike(used.stderr.filter(l => l.startsWith('hyperfeed:')), ['hyperfeed: this invite was already used (by bob); an invite lets one member in: ask a member for a new one'])
  t.is((await runCli(['room', 'list'], { storage })).out, '', 'nothing half-joined is left')

  // no member online: exit 1 in time, and the same invite works later
  await stop(alice)
  await stop(bob)
  const alice2 = (await createRoom(t, net, { nick: 'zed', name: 'other' }))
  const fresh = alice2.invite
  await stop(alice2.member)
  const started = Date.now()
  const lonely = await runCli(['room', 'join', fresh, '--nick', 'dan', '--timeout', '2', ...net], { storage })
  t.is(lonely.code, 1)
  t.ok(Date.now() - started < 10_000, 'in time')
  t.ok(/no member of room [0-9a-f]{64} that knows this invite was reachable within 2s/.test(lonely.err), lonely.err)
  t.is((await runCli(['room', 'list'], { storage })).out, '', 'nothing half-joined is left')
  alice2.member.cli = null
  const { spawnCli } = await import('./helpers/index.js')
  const back = spawnCli(t, ['room', 'chat', '--name', 'other', '--nick', 'zed', ...net], { storage: alice2.member.storage })
  await back.line('* zed created the room')
  const dan = await joinRoom(t, fresh, net, { nick: 'dan', storage })
  await back.line('* dan joined', { timeout: 20_000 })
  await stop(dan)
  await back.stop()
})

test('a peer with the key (and even the content key) but no invite changes nothing, crashes nobody', { timeout: 120_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  const ref = parseRoomRef(invite)

  // mallory has the room key and the encryption key, no usable invite, and
  // writes to her own core: chat, a join with a bad signature, a join with an
  // unknown invite, a replay of bob's join, and garbage bytes
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const mallory = new Room(store, { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  t.teardown(() => mallory.close())
  await mallory.ready()
  const network = new Network(store, netOptions(bootstrap))
  t.teardown(() => network.close(), { order: -1 })
  await network.join(mallory)
  await mallory.findPeer(15_000)
  await mallory.sync()
  const bobJoin = (await mallory.read(0, mallory.length)).find(e => 'value' in e && e.value.type === 'room/join')!
  const base = mallory.base as Autobase<unknown>
  const forged = [
    chat('mallory', 'let me in'),
    { type: 'room/join', invite: 'a'.repeat(64), nick: 'mallory', signature: 'b'.repeat(128) },
    { ...('value' in bobJoin ? bobJoin.value : {}), nick: 'mallory' },
    { type: 'room/remove', member: bobJoin.author }
  ]
  for (const entry of forged) await base.append(encodeEntry(entry), { optimistic: true })
  await base.append(Buffer.from([0xff, 0xfe, 0x00]), { optimistic: true })
  await t.exception(mallory.append([chat('mallory', 'plain post')]), /not a member/)
  await sleep(3000)

  alice.cli!.write('still fine\n')
  await bob.cli!.line(/alice: still fine$/, { timeout: 20_000 })
  t.ok(alice.cli!.running && bob.cli!.running, 'nobody crashed')
  await Promise.all([stop(alice), stop(bob)])
  const r = await once(alice, ['--no-swarm', '--peer', 'ws://127.0.0.1:9'], { timeout: 1 })
  const authors = new Set(r.stdout.map(l => JSON.parse(l).author))
  t.is(authors.size, 2, 'only alice and bob are in the room')
  t.absent(r.out.includes('mallory'), 'nothing of mallory\'s')
})

test('a copy with only the room key keeps and forwards the encrypted room, cannot read it, and says so', { timeout: 180_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { key, invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  await stop(bob)

  const relayStorage = await t.tmp()
  const { spawnCli } = await import('./helpers/index.js')
  const relay = spawnCli(t, ['room', 'join', key, '--name', 'relayed', ...net], { storage: relayStorage })
  await relay.errLine(/is encrypted: this copy keeps and shares its entries for the members but cannot read them/)
  const secret = 'the owl flies at dawn'
  alice.cli!.write(secret + '\n')
  await alice.cli!.line(new RegExp(`alice: ${secret}$`))
  await sleep(3000) // the relay fetches it
  await stop(alice)

  // with alice gone, bob gets her post from the relay alone
  const back = spawnCli(t, ['room', 'chat', '--name', 'r', '--nick', 'bob', ...net], { storage: bob.storage })
  await back.line(new RegExp(`alice: ${secret}$`), { timeout: 30_000 })
  await back.stop()
  t.is((await relay.stop()).code, 0)
  t.absent(filesContain(relayStorage, secret), 'the relay\'s storage never holds the text')
  t.ok(await foundInPlainFeed(t, secret), 'control: the same search finds it in a plain feed\'s storage')
  const listed = await runCli(['room', 'list'], { storage: relayStorage })
  t.ok(listed.out.includes('not joined (relayed or joining)'), listed.out)
})
