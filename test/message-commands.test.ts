import test from 'brittle'
import { runCli, spawnCli } from './helpers/index.js'
import { createRoom, joinRoom } from './helpers/rooms.js'

const WS = ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
const plain = (l: string) => l.replace(/\[\d\d:\d\d:\d\d\] /, '')

test('/edit, /delete, /react, /reply in write: the viewer shows numbers, (edited), (deleted), reactions and quoted replies; --json and --resolved', async (t) => {
  const w = spawnCli(t, ['write', '--nick', 'al', ...WS], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  const url = (await w.errLine(/accepting WebSocket peers at /)).replace(/.* at /, '')
  w.write('helo\n')
  const v = spawnCli(t, ['view', key, '--no-swarm', '--peer', url], { storage: await t.tmp() })
  t.is(plain(await v.line('helo')), '(0) al: helo', 'a message has its number')
  w.write('/edit 0 hello\n')
  t.is(plain(await v.line('(edited)')), '(0) al: hello (edited)')
  w.write('oops\n')
  await v.line('oops')
  w.write('/react 0 👍\n/reply 0 a reply\n/delete 2\n/edit 7 nothing there\n/react 0 two words\n')
  t.is(plain(await v.line('👍')), '(0) al: hello (edited)  👍 1')
  t.is(plain(await v.line('a reply')), '(4) al: ↪ (0) al "hello" · a reply')
  t.is(plain(await v.line('(deleted)')), '(2) al: (deleted)')
  await w.errLine('/edit 7: there is no message 7')
  await w.errLine('a reaction is one word or emoji')
  w.write('/edit 1 an edit is not a message\n')
  await w.errLine('/edit 1: there is no message 1')
  await v.stop()

  const json = await runCli(['view', key, '--json', '--once', '--no-swarm', '--peer', url], { storage: await t.tmp() })
  t.is(json.stdout.length, 6, 'every entry as stored')
  t.is(JSON.parse(json.stdout[1]!).value.type, 'edit')
  const resolved = await runCli(['view', key, '--resolved', '--once', '--no-swarm', '--peer', url], { storage: await t.tmp() })
  t.alike(resolved.stdout.map(l => JSON.parse(l)).map(m => [m.seq, m.text, m.edited, m.deleted, m.reactions.length, m.replyTo?.seq ?? null]), [
    [0, 'hello', true, false, 1, null], [2, null, false, true, 0, null], [4, 'a reply', false, false, 0, 0]
  ], '--resolved: each message once, as it is now')
})

test('in a room, an edit of another member\'s message is refused by /edit, and ignored (shown so in --json) when posted anyway', async (t) => {
  const { invite, member: alice } = await createRoom(t, WS)
  const url = (await alice.cli!.errLine(/accepting WebSocket peers at /)).replace(/.* at /, '')
  const net = ['--no-swarm', '--peer', url]
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  alice.cli!.write('mine\n')
  const line = await bob.cli!.line('alice: mine')
  const n = /^\((\d+)\)/.exec(line)![1]
  bob.cli!.write(`/edit ${n} hacked\n/react ${n} 👍\n`)
  await bob.cli!.errLine(`/edit ${n}: only a message's author can edit it`)
  t.ok((await alice.cli!.line('👍')).endsWith('alice: mine  👍 1'), 'a reaction from any member counts')
  await alice.cli!.stop()
  await bob.cli!.stop()
  const a = alice.cli!.stdout.lines.join('\n')
  t.absent(a.includes('hacked'))

  const raw = (await runCli(['export', '--room', 'r'], { storage: alice.storage })).stdout.map(l => JSON.parse(l))
  const target = raw.find(e => e.value.text === 'mine')
  const forged = JSON.stringify({ type: 'edit', ref: { author: target.author, authorSeq: target.authorSeq }, text: 'hacked' })
  const b = spawnCli(t, ['room', 'chat', '--name', 'r', '--nick', 'bob', '--json', ...WS], { storage: bob.storage })
  b.write(forged + '\n')
  t.ok((await b.line('"hacked"')).endsWith(',"ignored":"not the author"}'), '--json: the forged edit is marked ignored')
  await b.stop()
  const resolved = (await runCli(['export', '--room', 'r', '--resolved'], { storage: bob.storage })).stdout.map(l => JSON.parse(l))
  t.alike(resolved.map(m => [m.text, m.edited, m.reactions.map((r: any) => r.reaction)]), [['mine', false, ['👍']]], '--resolved: alice\'s message as she wrote it')
})
