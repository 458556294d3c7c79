import test from 'brittle'
import { GENESIS_PREV, Room, Store, blockHash, parseRoomRef, type Block } from '../src/index.js'
import { hexLeadingZeroBits, toBlock } from '../src/chain/block.js'
import { RoomChain } from '../src/room/chain.js'
import { RoomMiner } from '../src/room/miner.js'
import { replicate } from './helpers/index.js'

function mine (prev: Block | null, data: unknown, difficulty: number, { height, prevHash }: { height?: number, prevHash?: string } = {}): Block {
  const template = { height: height ?? (prev === null ? 0 : prev.height + 1), time: 1_700_000_000_000, prev: prevHash ?? (prev === null ? GENESIS_PREV : prev.hash), difficulty, data }
  for (let nonce = 0; ; nonce++) {
    const hash = blockHash({ ...template, nonce })
    if (hexLeadingZeroBits(hash) >= difficulty) return toBlock(template, nonce, hash)
  }
}

// A block whose hash is right but that was never mined: it claims work it lacks.
function unmined (prev: Block, data: unknown, difficulty: number): Block {
  const template = { height: prev.height + 1, time: 1_700_000_000_000, prev: prev.hash, difficulty, data }
  return toBlock(template, 0, blockHash({ ...template, nonce: 0 }))
}

async function member (t: test.Assert, room: Room) {
  t.teardown(() => room.close())
  await room.ready()
  return room
}

async function store (t: test.Assert) {
  const s = await Store.open(await t.tmp())
  t.teardown(() => s.close(), { order: 1 })
  return s
}

test('hostile blocks from a member (every invalid kind, a 10,000-block minimum-work fork) are judged, never crash anyone, never move the main chain wrongly', { timeout: 240_000 }, async (t) => {
  const alice = await member(t, await Room.create(await store(t), { nick: 'alice', difficulty: 2 }))
  const ref = parseRoomRef(await alice.createInvite())
  const mallory = await member(t, new Room(await store(t), { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey }))
  replicate(t, alice, mallory)
  await mallory.join(ref.invite!, { nick: 'mallory', timeout: 15_000 })

  // the honest chain: 12 blocks at difficulty 14 (196,608 work)
  const miner = new RoomMiner(alice)
  t.teardown(() => miner.close())
  let tip: Block | null = null
  for (let i = 0; i < 12; i++) tip = (await miner.mine({ honest: i }, { difficulty: 14 })).block
  const chain = new RoomChain(alice)
  t.is((await chain.tip())?.hash, tip!.hash)

  const good = mine(null, 'fork root', 2)
  const forged = [
    { ...mine(tip, 'bad hash', 2), data: 'changed after mining' },
    unmined(tip!, 'too little work', 20),
    mine(tip, 'below the room minimum', 1),
    mine(tip, 'wrong height', 2, { height: 40 }),
    mine(null, 'unknown prev', 2, { height: 5, prevHash: 'ab'.repeat(32) })
  ]
  await mallory.append(forged)
  // a fork of 10,000 blocks at the minimum difficulty (40,000 work): lighter
  const fork: Block[] = [good]
  while (fork.length < 10_000) fork.push(mine(fork[fork.length - 1]!, fork.length, 2))
  const started = Date.now()
  for (let i = 0; i < fork.length; i += 500) await mallory.append(fork.slice(i, i + 500))
  const expected = 12 + forged.length + fork.length + 2 // + create, join
  while (alice.length < expected && Date.now() - started < 180_000) await new Promise(resolve => setTimeout(resolve, 200))
  const ms = Date.now() - started
  t.comment(`alice judged and placed 10,005 hostile blocks in ${ms} ms`)
  t.is(alice.length, expected, 'every entry reached alice')

  const summary = await chain.summary()
  t.is(summary.tip?.hash, tip!.hash, 'the main chain did not move')
  t.alike(summary.counts, { valid: 12 + 10_000, invalid: 4, pending: 1, blocks: 12 + 10_000 })
  t.is(summary.stale, 10_000, 'the fork is kept, stale')
  const marks = [...(await chain.marks(await alice.read(14, 14 + forged.length))).values()]
  const reasons = [/^hash [0-9a-f]{12} does not match the content/, /^hash has \d+ leading zero bits, difficulty 20 needs more$/, /^difficulty 1 is below the room's 2$/, /^height 40 does not follow its prev's 11$/, /^prev abababababab is not in the room \(yet\)$/]
  t.is(marks.length, 5)
  marks.forEach((m, i) => t.ok(!m.valid && reasons[i]!.test(m.error), m.valid ? 'valid?!' : m.error))
  // still answering: a new honest block goes on top of the main chain
  const next = await miner.mine('after the attack', { difficulty: 14 })
  t.is(next.block.prev, tip!.hash)
  t.ok(ms < 180_000, 'bounded time')
})
