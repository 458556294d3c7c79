import test from 'brittle'
import { runCli, sleep, spawnCli, testnet } from './helpers/index.js'
import { type Member, chatRoom, createRoom, joinRoom, stop } from './helpers/rooms.js'

const DIFFICULTY = '8'

async function chainOnce (m: Member, net: string[]) {
  return runCli(['room', 'chain', '--name', 'r', '--once', '--json', '--timeout', '20', ...net], { storage: m.storage, timeout: 60_000 })
}

// `room chain --once --json` of each member while the others serve the room
// (over the swarm, or with `hub` direct WebSocket peers: one listens, all
// others connect to it).
async function settledChains (t: Parameters<typeof testnet>[0], members: Member[], net: string[] | 'hub') {
  const out: string[] = []
  for (const m of members) {
    const others = members.filter(o => o !== m)
    let mine = net as string[]
    if (net === 'hub') {
      const hub = chatRoom(t, others[0]!, ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'])
      const port = /:(\d+)$/.exec(await hub.errLine('accepting WebSocket peers'))![1]!
      mine = ['--no-swarm', '--peer', `ws://127.0.0.1:${port}`]
      for (const o of others.slice(1)) chatRoom(t, o, mine)
    } else {
      for (const o of others) chatRoom(t, o, mine)
    }
    await Promise.all(others.map(o => o.cli!.line(/./, { timeout: 15_000 })))
    const r = await chainOnce(m, mine)
    t.is(r.code, 0, `${m.nick}: room chain --once exits 0 ${r.err}`)
    out.push(r.out)
    await Promise.all(others.map(stop))
  }
  return out
}

test('three members mine at once: all converge on one main chain, every valid block on it or stale', { timeout: 240_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net, { extra: ['--difficulty', DIFFICULTY] })
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  alice.cli!.write('/invite\n')
  const carol = await joinRoom(t, (await alice.cli!.errLine(/^invite: /)).slice(8), net, { nick: 'carol' })
  const members = [alice, bob, carol]
  for (const m of members) m.cli!.write(`/block "${m.nick} 1"\n/block "${m.nick} 2"\n/block "${m.nick} 3"\n`)
  // three distinct "mined block" lines per member: all nine blocks are posted
  for (const m of members) {
    let from = 0
    for (let i = 0; i < 3; i++) {
      const line = await m.cli!.errLine(/^mined block #\d+/, { from, timeout: 60_000 })
      from = m.cli!.stderr.lines.indexOf(line, from) + 1
    }
  }
  await sleep(2000)
  await Promise.all(members.map(stop))

  const chains = await settledChains(t, members, net)
  t.is(chains[0], chains[1], 'alice and bob: the same main chain, byte for byte')
  t.is(chains[1], chains[2], 'bob and carol: the same')
  const main = chains[0]!.trim().split('\n').map(l => JSON.parse(l))
  t.alike(main.map(b => b.height), main.map((_, i) => i), 'heights 0..n, genesis first')
  for (let i = 1; i < main.length; i++) t.is(main[i].value.prev, main[i - 1].hash)

  // every block entry in the room is valid: on the main chain or stale
  const r = await runCli(['room', 'chat', '--name', 'r', '--once', '--json', '--timeout', '1', '--no-swarm', '--peer', 'ws://127.0.0.1:9'], { storage: alice.storage })
  const blocks = r.stdout.map(l => JSON.parse(l)).filter(e => e.value?.type === 'block')
  t.is(blocks.length, 9, 'nine blocks mined, nine in the room')
  t.ok(blocks.every(b => b.valid === true && (b.chain === 'main' || b.chain === 'stale')), 'each valid, main or stale')
  t.is(blocks.filter(b => b.chain === 'main').length, main.length)
  t.comment(`main chain ${main.length} blocks, ${9 - main.length} stale`)
})

test('a partition: two groups mine apart (5 blocks against 3), heal, and every member ends on the heavier branch with the other stale', { timeout: 240_000 }, async (t) => {
  const listen = ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
  const { invite, member: alice } = await createRoom(t, listen, { extra: ['--difficulty', DIFFICULTY] })
  const portOf = async (m: Member) => /:(\d+)$/.exec(await m.cli!.errLine('accepting WebSocket peers'))![1]!
  const aPort = await portOf(alice)
  const viaAlice = ['--no-swarm', '--peer', `ws://127.0.0.1:${aPort}`]
  const bob = await joinRoom(t, invite, viaAlice, { nick: 'bob' })
  const invites: string[] = []
  for (let i = 0; i < 2; i++) {
    alice.cli!.write('/invite\n')
    invites.push((await alice.cli!.errLine(/^invite: /, { from: alice.cli!.stderr.lines.length })).slice(8))
  }
  const carol = await joinRoom(t, invites[0]!, viaAlice, { nick: 'carol' })
  const dave = await joinRoom(t, invites[1]!, viaAlice, { nick: 'dave' })
  await sleep(1000)
  await Promise.all([alice, bob, carol, dave].map(stop))

  // group one: alice (listening) and bob; group two: carol (listening) and dave; no gossip, no swarm
  const a = chatRoom(t, alice, [...listen, '--no-gossip'])
  const a2 = await portOf(alice)
  const b = chatRoom(t, bob, ['--no-swarm', '--no-gossip', '--peer', `ws://127.0.0.1:${a2}`])
  const c = chatRoom(t, carol, [...listen, '--no-gossip'])
  const c2 = await portOf(carol)
  const d = chatRoom(t, dave, ['--no-swarm', '--no-gossip', '--peer', `ws://127.0.0.1:${c2}`])
  const mine = async (cli: typeof a, n: number, tag: string) => {
    for (let i = 0; i < n; i++) {
      const from = cli.stderr.lines.length
      cli.write(`/block "${tag} ${i}"\n`)
      await cli.errLine(/^mined block #/, { from, timeout: 60_000 })
      await sleep(300)
    }
  }
  await Promise.all([mine(a, 3, 'one-a'), mine(c, 2, 'two-c')])
  await Promise.all([mine(b, 2, 'one-b'), mine(d, 1, 'two-d')])
  await sleep(1500)
  await Promise.all([alice, bob, carol, dave].map(stop))

  // heal: everyone meets through alice
  const chains = await settledChains(t, [alice, bob, carol, dave], 'hub')
  t.ok(chains.every(x => x === chains[0]), 'all four: the same main chain')
  const main = chains[0]!.trim().split('\n').map(l => JSON.parse(l))
  t.is(main.length, 5, 'the heavier branch (5 blocks) is the main chain')
  t.ok(main.every(blk => /^"one-/.test(JSON.stringify(blk.value.data))), 'it is group one\'s branch')
  const r = await runCli(['room', 'chat', '--name', 'r', '--once', '--json', '--timeout', '1', '--no-swarm', '--peer', 'ws://127.0.0.1:9'], { storage: dave.storage })
  const stale = r.stdout.map(l => JSON.parse(l)).filter(e => e.value?.type === 'block' && e.chain === 'stale')
  t.alike(stale.map(e => e.value.data).sort(), ['two-c 0', 'two-c 1', 'two-d 0'], 'the lighter branch is kept, stale, not lost')
  const human = await runCli(['room', 'chain', '--name', 'r'], { storage: dave.storage })
  t.ok(/tip #4 [0-9a-f]{64}, cumulative work 1280, 3 stale blocks, 0 invalid blocks/.test(human.err), human.err)
  t.is(human.stdout.length, 5)
  t.ok(/^#0 [0-9a-f]{12} (alice|bob) "one-/.test(human.stdout[0]!), human.stdout[0])
})

test('a miner overtaken mid-mining starts over on the new tip, and says so', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net, { extra: ['--difficulty', DIFFICULTY] })
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  await stop(alice)
  const slow = spawnCli(t, ['room', 'mine', '--name', 'r', '--difficulty', '28', '"slow"', ...net], { storage: alice.storage })
  await slow.errLine('mining block #0 at difficulty 28...', { timeout: 30_000 })
  bob.cli!.write('/block "fast"\n')
  const mined = await bob.cli!.errLine(/^mined block #0 ([0-9a-f]{12})/, { timeout: 30_000 })
  const hash = /#0 ([0-9a-f]{12})/.exec(mined)![1]!
  const restart = await slow.errLine(/^the tip moved to #0 /, { timeout: 30_000 })
  t.ok(restart.includes(hash), `restarts on bob's block: ${restart}`)
  await slow.errLine('mining block #1 at difficulty 28...')
  const stopped = await slow.stop('SIGINT')
  t.is(stopped.code, 1, 'interrupted before its block was found: exit 1')
  t.is(slow.stderr.lines.at(-1), 'hyperfeed: mining stopped: shutting down')
  await stop(bob)
  const chain = await runCli(['room', 'chain', '--name', 'r', '--json'], { storage: alice.storage })
  t.alike(chain.stdout.map(l => JSON.parse(l).value.data), ['fast'], 'nothing half-posted')
})

test('the tutorials\' network: HTTP_PORT, P2P_PORT and PEERS; mine on one node, GET /blocks equal on all three; /add answers 405', { timeout: 180_000 }, async (t) => {
  const { invite, member: one } = await createRoom(t, ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { extra: ['--difficulty', DIFFICULTY] })
  const port = /:(\d+)$/.exec(await one.cli!.errLine('accepting WebSocket peers'))![1]!
  const join = ['--no-swarm', '--peer', `ws://127.0.0.1:${port}`]
  const two = await joinRoom(t, invite, join, { nick: 'two' })
  one.cli!.write('/invite\n')
  const three = await joinRoom(t, (await one.cli!.errLine(/^invite: /)).slice(8), join, { nick: 'three' })
  await sleep(500)
  await Promise.all([one, two, three].map(stop))

  const node = async (m: Member, env: Record<string, string>) => {
    const cli = spawnCli(t, ['serve', '--room', 'r', '--no-swarm'], { storage: m.storage, env })
    return { cli, url: await cli.line(/^http:\/\//) }
  }
  const p2p = 30_000 + Math.floor(Math.random() * 20_000)
  const n1 = await node(one, { HTTP_PORT: '0', P2P_PORT: String(p2p) })
  const n2 = await node(two, { HTTP_PORT: '0', P2P_PORT: String(p2p + 1), PEERS: `ws://127.0.0.1:${p2p}` })
  const n3 = await node(three, { HTTP_PORT: '0', P2P_PORT: String(p2p + 2) })
  // the third node is added later, as the tutorials do with POST /addPeers
  const added = await fetch(n3.url + 'addPeers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([`ws://127.0.0.1:${p2p}`]) })
  t.is(added.status, 201)

  const mined = await fetch(n1.url + 'mineBlock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: 'first block' }) })
  t.is(mined.status, 201)
  const block = await mined.json() as { type: string, height: number, data: string, difficulty: number }
  t.alike([block.type, block.height, block.data, block.difficulty], ['block', 0, 'first block', 8], 'answers the block, at the room\'s difficulty')
  const second = await fetch(n2.url + 'mine', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { amount: 5 } }) })
  t.is(second.status, 201)
  t.is((await second.json() as { height: number }).height, 1, 'the second node mines on the first node\'s block')

  const blocksOf = async (url: string) => JSON.stringify(await (await fetch(url + 'blocks')).json())
  const deadline = Date.now() + 20_000
  let all: string[] = []
  while (Date.now() < deadline) {
    all = await Promise.all([n1, n2, n3].map(n => blocksOf(n.url)))
    if (all.every(x => x === all[0]) && JSON.parse(all[0]!).length === 2) break
    await sleep(200)
  }
  t.ok(all.every(x => x === all[0]), 'GET /blocks is the same on all three nodes')
  t.is(JSON.parse(all[0]!).length, 2)
  const peers = await (await fetch(n1.url + 'peers')).json() as string[]
  t.ok(peers.length >= 2, `GET /peers lists the WebSocket peers: ${JSON.stringify(peers)}`)

  const add = await fetch(n1.url + 'add?address=ws://127.0.0.1:1')
  t.is(add.status, 405)
  t.ok(/use POST \/addPeer/.test((await add.json() as { error: string }).error))
  t.is((await fetch(n1.url + 'commit?msg=hi')).status, 405)
  const chain = await (await fetch(n1.url + 'api/chain')).json() as { tip: { height: number }, stale: number, counts: { invalid: number } }
  t.alike([chain.tip.height, chain.stale, chain.counts.invalid], [1, 0, 0])
  for (const n of [n1, n2, n3]) t.is((await n.cli.stop()).code, 0)
})
