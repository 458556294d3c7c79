import test from 'brittle'
import { runCli, sleep, testnet } from './helpers/index.js'
import { type Member, chatRoom, createRoom, joinRoom, once, stop, texts } from './helpers/rooms.js'

// Each member prints `room chat --once --json` while the other two serve the
// room: the settled order, which must be the same bytes everywhere.
async function settledOutputs (t: Parameters<typeof testnet>[0], members: Member[], net: string[]) {
  const outputs: string[] = []
  for (const m of members) {
    const others = members.filter(o => o !== m)
    for (const o of others) chatRoom(t, o, net)
    await Promise.all(others.map(o => o.cli!.line(/./, { timeout: 15_000 })))
    const r = await once(m, net)
    t.is(r.code, 0, `${m.nick}: --once exits 0 ${r.err}`)
    outputs.push(r.out)
    await Promise.all(others.map(stop))
  }
  return outputs
}

test('three members post at the same moment: every line reaches all three, and all three settle on byte-identical history', { timeout: 240_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite: first, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, first, net, { nick: 'bob' })
  alice.cli!.write('/invite\n')
  const second = (await alice.cli!.errLine(/^invite: hyperfeed-room:/)).slice('invite: '.length)
  const carol = await joinRoom(t, second, net, { nick: 'carol' })
  const members = [alice, bob, carol]

  const N = 20
  const started = Date.now()
  for (const m of members) m.cli!.write(Array.from({ length: N }, (_, i) => `${m.nick} ${i}`).join('\n') + '\n')
  for (const m of members) {
    for (const other of members) await m.cli!.line(`${other.nick}: ${other.nick} ${N - 1}`, { timeout: 30_000 })
  }
  t.comment(`all ${3 * N} lines on all three members ${Date.now() - started} ms after they were typed`)
  for (const m of members) {
    const chatLines = m.cli!.stdout.lines.filter(l => /^\(\d+\) \[\d\d:\d\d:\d\d\] /.test(l))
    t.is(chatLines.length, 3 * N, `${m.nick} printed each line once`)
    t.is(new Set(chatLines).size, 3 * N)
  }
  await Promise.all(members.map(stop))

  const outputs = await settledOutputs(t, members, net)
  t.is(outputs[0], outputs[1], 'alice and bob: the same bytes')
  t.is(outputs[1], outputs[2], 'bob and carol: the same bytes')
  const lines = outputs[0]!.trim().split('\n')
  t.is(texts(lines).length, 3 * N)
  t.alike(lines.map(l => JSON.parse(l).seq), lines.map((_, i) => i), 'seq counts the room order')
  for (const m of members) {
    const own = texts(lines).filter(x => x.startsWith(m.nick + ' '))
    t.alike(own, Array.from({ length: N }, (_, i) => `${m.nick} ${i}`), `${m.nick}'s lines keep their order`)
  }
})

test('a member posts while cut off from everyone; back online, every member has it, in the same order', { timeout: 180_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  await stop(bob)

  // bob, offline: a DHT nobody runs, no peers
  const offline = chatRoom(t, bob, ['--no-swarm', '--peer', 'ws://127.0.0.1:9'])
  offline.write('written offline\n')
  await offline.line(/bob: written offline$/)
  await stop(bob)
  alice.cli!.write('meanwhile at alice\n')
  await alice.cli!.line(/alice: meanwhile at alice$/)

  // bob reopens the room (no new invite) and both have both lines
  const back = chatRoom(t, bob, net)
  await back.line(/alice: meanwhile at alice$/, { timeout: 20_000 })
  await alice.cli!.line(/bob: written offline$/, { timeout: 20_000 })
  await Promise.all([stop(alice), stop(bob)])
  const outputs = await settledOutputs(t, [alice, bob], net)
  t.is(outputs[0], outputs[1], 'the same bytes on both')
  t.alike(texts(outputs[0]!.trim().split('\n')).sort(), ['meanwhile at alice', 'written offline'])
})

test('joining needs the invite and any member online, not the one who made the invite; a restarted member needs no invite', { timeout: 180_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  bob.cli!.write('/invite\n')
  const fromBob = (await bob.cli!.errLine(/^invite: hyperfeed-room:/)).slice('invite: '.length)
  // the invite reaches alice, then bob goes offline
  await sleep(1000)
  await stop(bob)
  const carol = await joinRoom(t, fromBob, net, { nick: 'carol' })
  await alice.cli!.line('* carol joined', { timeout: 20_000 })
  carol.cli!.write('carol here\n')
  await alice.cli!.line(/carol: carol here$/, { timeout: 20_000 })

  // bob comes back with no invite and catches up
  const back = chatRoom(t, bob, net)
  await back.line(/carol: carol here$/, { timeout: 20_000 })
  const info = await runCli(['room', 'info', '--name', 'r', '--json'], { storage: alice.storage })
  t.is(info.code, 1, 'info refuses while the chat holds the room')
  t.ok(/open in another hyperfeed process/.test(info.err), info.err)
  await Promise.all([stop(alice), stop(bob), stop(carol)])
  const report = JSON.parse((await runCli(['room', 'info', '--name', 'r', '--json'], { storage: alice.storage })).out)
  t.alike(report.members.map((m: { nick: string }) => m.nick), ['alice', 'bob', 'carol'])
  const carolRecord = report.members.find((m: { nick: string }) => m.nick === 'carol')
  const bobRecord = report.members.find((m: { nick: string }) => m.nick === 'bob')
  t.is(carolRecord.invitedBy, bobRecord.key, 'carol was let in by bob\'s invite')
})

test('room chat --once with no member online prints what it has and exits 1 in time', { timeout: 60_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { member: alice } = await createRoom(t, net)
  alice.cli!.write('only me\n')
  await alice.cli!.line(/alice: only me$/)
  await stop(alice)
  const started = Date.now()
  const r = await runCli(['room', 'chat', '--name', 'r', '--once', '--timeout', '2', ...net], { storage: alice.storage })
  const ms = Date.now() - started
  t.is(r.code, 1)
  t.ok(ms < 8000, `exited after ${ms} ms`)
  t.is(r.stdout.length, 2, 'the history stored here')
  t.ok(/no member of room [0-9a-f]{64} was reachable within 2s/.test(r.err), r.err)
  t.is(r.stderr.filter(l => l.startsWith('hyperfeed:')).length, 1)
})

test('rooms over direct WebSocket peers only: create, join, chat both ways', { timeout: 90_000 }, async (t) => {
  const { invite, member: alice } = await createRoom(t, ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'])
  const port = /:(\d+)$/.exec(await alice.cli!.errLine('accepting WebSocket peers'))![1]!
  const net = ['--no-swarm', '--peer', `ws://127.0.0.1:${port}`]
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  bob.cli!.write('over a websocket\n')
  alice.cli!.write('and back\n')
  await alice.cli!.line(/bob: over a websocket$/)
  await bob.cli!.line(/alice: and back$/)
  await Promise.all([stop(alice), stop(bob)])
})
