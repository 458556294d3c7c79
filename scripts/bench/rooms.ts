// Rooms: many writers on Autobase. End-to-end figures run real `hyperfeed
// room` processes; the partition figures use the library in one process.
import {
  GENESIS_PREV, Network, Room, Store, blockHash, chat, parseRoomRef, type Block
} from '../../src/index.js'
import { toBlock } from '../../src/chain/block.js'
import { RoomChain } from '../../src/room/chain.js'
import { RoomMiner } from '../../src/room/miner.js'
import { BIN, QUICK, type Proc, figure, figures, fmtK, now, percentile, proc, sleep, tmp } from './common.js'

const SIZES = QUICK
  ? { posts: 100, history: 1000, apart: 200, blocks: 5, members: 3, partition: [60, 40], chain: [1000, 5000], wireBlocks: 10 }
  : { posts: 500, history: 10_000, apart: 1000, blocks: 30, members: 6, partition: [600, 400], chain: [1000, 10_000, 50_000], wireBlocks: 20 }

interface Member { storage: string, cli: Proc }

async function create (net: string[], extra: string[] = []): Promise<{ invite: string, member: Member }> {
  const storage = tmp('room')
  const cli = proc(BIN, ['room', 'create', '--name', 'b', '--nick', 'm0', '--storage', storage, ...net, ...extra])
  await cli.waitLine(l => /^[0-9a-f]{64}$/.test(l), 30_000)
  const invite = await cli.waitLine(l => l.startsWith('hyperfeed-room:'), 30_000)
  return { invite, member: { storage, cli } }
}

async function join (invite: string, nick: string, net: string[]): Promise<Member> {
  const storage = tmp('room')
  const cli = proc(BIN, ['room', 'join', invite, '--name', 'b', '--nick', nick, '--storage', storage, ...net])
  await cli.waitLine(l => l === `* ${nick} joined`, 60_000)
  return { storage, cli }
}

async function invite (m: Member): Promise<string> {
  const from = m.cli.status.length
  m.cli.child.stdin!.write('/invite\n')
  const deadline = now() + 30_000
  for (;;) {
    const found = m.cli.status.slice(from).find(o => typeof o.line === 'string' && o.line.startsWith('invite: '))
    if (found !== undefined) return (found.line as string).slice('invite: '.length)
    if (now() > deadline) throw new Error('no invite')
    await sleep(20)
  }
}

// 1. A post on one member to its line on another member's stdout.
async function postLatency (net: string[]): Promise<void> {
  console.error(`\n7. rooms: a post to its line on another member, ${SIZES.posts} posts, one every 10 ms`)
  const { invite: first, member: a } = await create(net)
  const b = await join(first, 'm1', net)
  const latencies: number[] = []
  const seen = new Promise<void>(resolve => {
    b.cli.onLine = (line, at) => {
      const m = / m0: p (\d+) (\d+(?:\.\d+)?)$/.exec(line)
      if (m === null) return
      latencies.push(at - Number(m[2]))
      if (latencies.length === SIZES.posts) resolve()
    }
  })
  for (let i = 0; i < SIZES.posts; i++) {
    a.cli.child.stdin!.write(`p ${i} ${now()}\n`)
    await sleep(10)
  }
  await Promise.race([seen, sleep(60_000)])
  const sorted = latencies.sort((x, y) => x - y)
  const feedP99 = figures.find(f => f.name === 'live latency p99')
  figure('rooms', 'room post latency p50 (typed on one member to printed on another)', 'ms', percentile(sorted, 0.5), figures.find(f => f.name.startsWith('live latency p50'))?.hyperfeed ?? null, 'feed live', false)
  figure('rooms', 'room post latency p99', 'ms', percentile(sorted, 0.99), feedP99?.hyperfeed ?? null, 'feed live', false)
  if (latencies.length < SIZES.posts) throw new Error(`room latency: only ${latencies.length} of ${SIZES.posts} posts arrived`)

  // 2. A new member joins a room with history: start to the whole history printed
  for (let i = 0; i < SIZES.history; i += 500) {
    a.cli.child.stdin!.write(Array.from({ length: Math.min(500, SIZES.history - i) }, (_, k) => `h ${i + k}`).join('\n') + '\n')
  }
  await a.cli.waitLine(l => l.endsWith(` m0: h ${SIZES.history - 1}`), 120_000)
  const fresh = await invite(a)
  const started = now()
  const c = proc(BIN, ['room', 'join', fresh, '--name', 'b', '--nick', 'm2', '--once', '--json', '--storage', tmp('room'), ...net])
  const code = await c.exited
  const ms = now() - started
  if (code !== 0 || c.outLines < SIZES.history) throw new Error(`room join: exit ${code}, ${c.outLines} lines`)
  const feedCold = figures.find(f => f.name.startsWith(`cold sync of ${fmtK(SIZES.history)} entries`))
  figure('rooms', `join a room with ${fmtK(SIZES.history)} entries of history: process start to all printed (room join --once vs view --once of a feed)`, 'ms', ms, feedCold?.hyperfeed ?? null, 'feed view --once', false)
  await Promise.all([a.cli.stop(), b.cli.stop()])
}

// 3. Two members post while apart, then meet: time until both have the same history.
async function apart (bootstrap: { host: string, port: number }[]): Promise<void> {
  console.error(`\n8. rooms: two members post ${SIZES.apart} entries each while apart, then reconnect`)
  const opts = { bootstrap, host: '127.0.0.1', firewalled: false }
  const s1 = await Store.open(tmp('apart'))
  const s2 = await Store.open(tmp('apart'))
  const a = await Room.create(s1, { nick: 'a' })
  const n1 = new Network(s1, opts)
  await n1.join(a)
  const ref = parseRoomRef(await a.createInvite())
  const b = new Room(s2, { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  await b.ready()
  let n2 = new Network(s2, opts)
  await n2.join(b)
  await b.join(ref.invite!, { nick: 'b', timeout: 30_000 })
  await n2.close()
  await n1.close()
  for (let i = 0; i < SIZES.apart; i++) {
    await a.append([chat('a', `a ${i}`)])
    await b.append([chat('b', `b ${i}`)])
  }
  const started = now()
  const m1 = new Network(s1, opts)
  await m1.join(a)
  n2 = new Network(s2, opts)
  await n2.join(b)
  const total = 2 * SIZES.apart + 2
  const same = async () => {
    if (a.length < total || b.length < total) return false
    const [x, y] = await Promise.all([a.read(total - 5, total), b.read(total - 5, total)])
    return JSON.stringify(x.map(e => e.author + e.authorSeq)) === JSON.stringify(y.map(e => e.author + e.authorSeq))
  }
  while (!(await same())) {
    if (now() - started > 600_000) throw new Error('rooms apart: no convergence in 10 minutes')
    await sleep(50)
  }
  figure('rooms', `convergence after two members posted ${fmtK(SIZES.apart)} entries each while apart`, 'ms', now() - started, null, null, false)
  await Promise.all([m1.close(), n2.close()])
  await Promise.all([a.close(), b.close()])
  await Promise.all([s1.close(), s2.close()])
}

// 4. A block mined on one member to its line on the other members' stdout.
async function blockSpread (net: string[]): Promise<void> {
  const others = SIZES.members - 1
  console.error(`\n9. rooms: ${SIZES.blocks} blocks mined on one member, each to the main chain of ${others} others`)
  const { invite: first, member: miner } = await create(net, ['--difficulty', '8'])
  const members: Member[] = [await join(first, 'm1', net)]
  for (let i = 2; i < SIZES.members; i++) members.push(await join(await invite(miner), `m${i}`, net))
  const arrivals = new Map<string, number[]>()
  for (const m of members) {
    m.cli.onLine = (line, at) => {
      const match = /^#\d+ ([0-9a-f]{12}) "b\d+"$/.exec(line)
      if (match !== null) arrivals.set(match[1]!, [...(arrivals.get(match[1]!) ?? []), at])
    }
  }
  const spread: number[] = []
  for (let i = 0; i < SIZES.blocks; i++) {
    miner.cli.child.stdin!.write(`/block "b${i}"\n`)
    const mined = await miner.cli.waitErr(o => typeof o.line === 'string' && o.line.startsWith(`mined block #${i} `), 60_000)
    const minedAt = now()
    const hash = /^mined block #\d+ ([0-9a-f]{12})/.exec(mined.line)![1]!
    const deadline = minedAt + 30_000
    while ((arrivals.get(hash)?.length ?? 0) < others && now() < deadline) await sleep(2)
    const times = arrivals.get(hash) ?? []
    if (times.length < others) throw new Error(`block ${hash} reached ${times.length} of ${others} members`)
    spread.push(Math.max(...times) - minedAt)
  }
  const sorted = spread.sort((x, y) => x - y)
  figure('rooms', `a mined block on the main chain of ${others} other members, p50`, 'ms', percentile(sorted, 0.5), null, null, false)
  figure('rooms', `a mined block on the main chain of ${others} other members, p99`, 'ms', percentile(sorted, 0.99), null, null, false)
  await Promise.all([miner, ...members].map(m => m.cli.stop()))
}

// Blocks mined in this process at difficulty 0 (one hash each), for building long chains.
function chainOf (n: number, from: Block | null = null, tag = 'c'): Block[] {
  const out: Block[] = []
  let prev = from
  for (let i = 0; i < n; i++) {
    const t = { height: prev === null ? 0 : prev.height + 1, time: 1_700_000_000_000 + i, prev: prev === null ? GENESIS_PREV : prev.hash, difficulty: 0, data: `${tag}${i}` }
    prev = toBlock(t, 0, blockHash({ ...t, nonce: 0 }))
    out.push(prev)
  }
  return out
}

// Two members of one room, each store on the network through Networks whose
// every connection is counted from before it joins anything: a replaced or
// duplicate connection still counts, so no byte on the wire is missed.
async function pair (bootstrap: { host: string, port: number }[]) {
  const opts = { bootstrap, host: '127.0.0.1', firewalled: false }
  const s1 = await Store.open(tmp('pair'))
  const s2 = await Store.open(tmp('pair'))
  const a = await Room.create(s1, { nick: 'a', difficulty: 0 })
  const nets: Network[] = []
  const seen = new Set<{ rawBytesWritten?: number }>()
  const connect = async (store: Store, room: Room) => {
    const net = new Network(store, opts)
    nets.push(net)
    await net.ready()
    net.swarm!.on('connection', (conn) => seen.add(conn as { rawBytesWritten?: number }))
    await net.join(room)
  }
  await connect(s1, a)
  const ref = parseRoomRef(await a.createInvite())
  const b = new Room(s2, { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  await b.ready()
  await connect(s2, b)
  await b.join(ref.invite!, { nick: 'b', timeout: 30_000 })
  const online = async () => {
    await connect(s1, a)
    await connect(s2, b)
  }
  const offline = async () => { for (const n of nets.splice(0)) await n.close() }
  const close = async () => {
    await offline()
    await Promise.all([a.close(), b.close()])
    await Promise.all([s1.close(), s2.close()])
  }
  // every byte both members have sent each other, as encrypted on the wire
  const wireBytes = () => [...seen].reduce((sum, c) => sum + (c.rawBytesWritten ?? NaN), 0)
  return { a, b, online, offline, close, wireBytes }
}

// 5. Two members mine apart (a partition), then meet: time until both agree on the main chain.
async function partition (bootstrap: { host: string, port: number }[]): Promise<void> {
  const [x, y] = SIZES.partition as [number, number]
  console.error(`\n10. rooms: a partition of ${x + y} blocks (${x} against ${y}) heals`)
  const { a, b, offline, online, close } = await pair(bootstrap)
  await offline()
  const mine = async (room: Room, n: number, tag: string) => {
    const miner = new RoomMiner(room)
    for (let i = 0; i < n; i++) await miner.mine(`${tag}${i}`)
    await miner.close()
  }
  await Promise.all([mine(a, x, 'a'), mine(b, y, 'b')])
  const ca = new RoomChain(a)
  const cb = new RoomChain(b)
  const [apartA, apartB] = await Promise.all([ca.tip(), cb.tip()])
  console.error(`  apart: a's tip #${apartA?.height} ${apartA?.hash.slice(0, 12)}, b's tip #${apartB?.height} ${apartB?.hash.slice(0, 12)}`)
  if (apartA?.height !== x - 1 || apartB?.height !== y - 1) throw new Error(`partition: the two sides were not apart (tips #${apartA?.height} and #${apartB?.height})`)
  const started = now()
  await online()
  // converged: both hold all x + y blocks and agree on the tip (the same tip
  // alone comes earlier: Autobase can show a member the other side's blocks
  // before it has re-applied its own)
  for (;;) {
    const [sa, sb] = await Promise.all([ca.summary(), cb.summary()])
    if (sa.tip !== null && sa.tip.hash === sb.tip?.hash && sa.tip.height === x - 1 && sa.counts.blocks === x + y && sb.counts.blocks === x + y) break
    if (now() - started > 600_000) throw new Error('partition: no agreement in 10 minutes')
    await sleep(20)
  }
  figure('rooms', `convergence after a ${fmtK(x + y)}-block partition heals (${x} against ${y} blocks)`, 'ms', now() - started, null, null, false)
  await close()
}

// 6. The bytes one more block costs on the wire, at chain lengths, beside the
// tutorials' design (every node re-sends the whole chain on every block).
async function blockBytes (bootstrap: { host: string, port: number }[]): Promise<void> {
  console.error('\n11. rooms: bytes on the wire for one more block')
  for (const n of SIZES.chain) {
    const { a, b, close, wireBytes } = await pair(bootstrap)
    const chain = chainOf(n)
    for (let i = 0; i < chain.length; i += 1000) await a.append(chain.slice(i, i + 1000))
    const cb = new RoomChain(b)
    const reached = async (hash: string) => {
      const deadline = now() + 600_000
      while ((await cb.tip())?.hash !== hash) {
        if (now() > deadline) throw new Error('block bytes: the member never got the chain')
        await sleep(5)
      }
    }
    await reached(chain.at(-1)!.hash)
    let tip = chain.at(-1)!
    const before = wireBytes()
    for (let i = 0; i < SIZES.wireBlocks; i++) {
      tip = chainOf(1, tip, `more${i}`)[0]!
      await a.append([tip])
      await reached(tip.hash)
    }
    const perBlock = (wireBytes() - before) / SIZES.wireBlocks
    const tutorials = Buffer.byteLength(JSON.stringify([...chain, tip]))
    figure('rooms', `one more block at chain length ${fmtK(n)}: bytes on the wire (room member to member, both ways, vs the tutorials' whole-chain broadcast)`, 'bytes', perBlock, tutorials, "tutorials'", false)
    await close()
  }
}

export async function rooms (bootstrap: string): Promise<void> {
  const net = ['--bootstrap', bootstrap]
  const [host, port] = bootstrap.split(':')
  const nodes = [{ host: host!, port: Number(port) }]
  await postLatency(net)
  await apart(nodes)
  await blockSpread(net)
  await partition(nodes)
  await blockBytes(nodes)
}
