import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { runCli, spawnCli, testnet } from './helpers/index.js'
import { createRoom, joinRoom, once, stop, texts } from './helpers/rooms.js'

test('a member killed right after joining opens its own storage next time, without the invite', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { member: alice } = await createRoom(t, net)
  alice.cli!.write('before bob\n')
  alice.cli!.write('/invite\n')
  const invite = (await alice.cli!.errLine(/^invite: /)).slice('invite: '.length)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  await bob.cli!.stop('SIGKILL')
  bob.cli = null

  const info = await runCli(['room', 'info', '--name', 'r', '--json'], { storage: bob.storage })
  t.is(info.code, 0, `room info opens bob's storage: ${info.err}`)
  t.ok(JSON.parse(info.out || '{}').member, 'as a member')
  const read = await once(bob, net, { timeout: 5 })
  t.is(read.code, 0, `room chat --once opens it: ${read.err}`)
  t.alike(texts(read.stdout), ['before bob'])
  await stop(alice)
})

test('room create never deletes a room whose summary file is missing', { timeout: 60_000 }, async (t) => {
  const { member: alice } = await createRoom(t, [])
  alice.cli!.write('kept\n')
  await alice.cli!.line(/alice: kept$/)
  await stop(alice)
  const summary = path.join(alice.storage, 'rooms', 'r.json')
  const { key } = JSON.parse(fs.readFileSync(summary, 'utf8'))
  fs.rmSync(summary)

  const again = await runCli(['room', 'create', '--name', 'r', '--nick', 'alice'], { storage: alice.storage })
  t.is(again.code, 1, 'refused')
  t.is(again.stderr.filter(Boolean).length, 1, `one line: ${again.err}`)
  t.ok(/already exists here/.test(again.err), again.err)
  const info = await runCli(['room', 'info', '--name', 'r', '--json'], { storage: alice.storage })
  t.is(info.code, 0, `the room opens again: ${info.err}`)
  t.is(JSON.parse(info.out || '{}').key, key)
  const read = await once(alice, [], { timeout: 1 })
  t.alike(texts(read.stdout), ['kept'], 'with its entries')
  t.is(JSON.parse(fs.readFileSync(summary, 'utf8')).key, key, 'its summary is back')
})

test('an invite with a wrong encryption key is named as such', { timeout: 90_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const other = (await runCli(['room', 'create', '--name', 'z', '--nick', 'zed', '--once', '--timeout', '1'], { storage: await t.tmp() })).stdout[1]!
  const [prefix, roomKey, , seed] = invite.split(':')
  const forged = [prefix, roomKey, other.split(':')[2], seed].join(':')
  const storage = await t.tmp()
  const join = await runCli(['room', 'join', forged, '--name', 'r', '--nick', 'bob', '--timeout', '10', ...net], { storage, timeout: 60_000 })
  t.is(join.code, 1)
  t.alike(join.stderr.filter(l => l.startsWith('hyperfeed: ')).length, 1, join.err)
  t.ok(/encryption key/.test(join.err), 'names the encryption key')
  t.absent(/knows this invite/.test(join.err), 'not "no member that knows this invite"')
  const right = await runCli(['room', 'join', invite, '--name', 'r', '--nick', 'bob', '--once', '--timeout', '20', ...net], { storage, timeout: 60_000 })
  t.is(right.code, 0, `the right invite still joins from the same storage: ${right.err}`)
  await stop(alice)
})

test('serve --room removes a member on DELETE /api/members/KEY (creator, token); the CLI names that route', { timeout: 120_000 }, async (t) => {
  const { net, alice, bob, bobKey } = await aliceAndBob(t)
  await stop(alice)
  const s = spawnCli(t, ['serve', '--room', 'r', '--port', '0', '--token', 'open-sesame', ...net], { storage: alice.storage })
  const url = await s.line(/^http:\/\//)
  const del = (key: string, token?: string) => fetch(new URL('/api/members/' + key, url), { method: 'DELETE', headers: token === undefined ? {} : { authorization: 'Bearer ' + token } })

  const busy = await runCli(['room', 'remove', bobKey, '--name', 'r'], { storage: alice.storage })
  t.is(busy.code, 1)
  t.ok(busy.err.includes('DELETE /api/members/KEY'), `the refusal names the route: ${busy.err}`)
  t.is((await (await fetch(new URL('/api/info', url))).json()).admin, true, '/api/info: this gateway can remove')
  t.is((await del(bobKey)).status, 401, 'no token: refused')
  t.is((await del('beef', 'open-sesame')).status, 400, 'not a key')
  const res = await del(bobKey, 'open-sesame')
  t.is(res.status, 200)
  const removed = await res.json()
  t.is(removed.nick, 'bob')
  t.ok(removed.removed !== null, 'removed')
  await bob.cli!.line(/^\* alice removed bob$/, { timeout: 20_000 })
  t.is((await s.stop()).code, 0)
  await stop(bob)
})

test('a removed member is told once, by whom, and its chat stops posting', { timeout: 90_000 }, async (t) => {
  const { net, alice, bob, bobKey } = await aliceAndBob(t)
  alice.cli!.write(`/remove ${bobKey}\n`)
  await bob.cli!.errLine(/^hyperfeed: you were removed from r by alice: this chat still shows the room but posts nothing more$/, { timeout: 20_000 })
  bob.cli!.write('after removal\nagain\n/members\n')
  await bob.cli!.errLine(/ bob  added by alice, removed by alice  \(this storage\)$/)
  const err = bob.cli!.stderr.lines
  t.is(err.filter(l => l.includes('you were removed')).length, 1, 'told once')
  t.absent(err.some(l => /not a member/.test(l)), 'typed lines are not refused one by one')
  await stop(bob)
  // a chat opened later on the removed storage says it at once
  const later = spawnCli(t, ['room', 'chat', '--name', 'r', '--no-swarm', '--peer', 'ws://127.0.0.1:9'], { storage: bob.storage })
  await later.errLine(/you were removed from r by alice/)
  t.is((await later.stop()).code, 0)
  await stop(alice)
})

// alice creates the room r and bob joins it; alice's chat names bob's key
async function aliceAndBob (t: test.Assert) {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  alice.cli!.write('/members\n')
  const bobKey = (await alice.cli!.errLine(/ bob  added by alice/)).split(' ')[0]!
  return { net, alice, bob, bobKey }
}
