import test from 'brittle'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { GENESIS_PREV, blockHash, type Block } from '../src/index.js'
import { hexLeadingZeroBits, toBlock } from '../src/chain/block.js'
import { type KV, getCounts, getTip, getVerdict, mainChain, placeBlock } from '../src/chain/fork-choice.js'

// A batch of a real Hyperbee on a real store, as apply gets a room's state.
async function kv (t: test.Assert, name: string): Promise<KV & { flush (): Promise<void> }> {
  const store = new Corestore(await t.tmp())
  t.teardown(() => store.close())
  const bee = new Hyperbee(store.get({ name }), { keyEncoding: 'utf-8', valueEncoding: 'json' })
  await bee.ready()
  return bee.batch() as unknown as KV & { flush (): Promise<void> }
}

function mine (prev: Block | null, data: unknown, difficulty: number, time = 1_700_000_000_000): Block {
  const template = { height: prev === null ? 0 : prev.height + 1, time, prev: prev === null ? GENESIS_PREV : prev.hash, difficulty, data }
  for (let nonce = 0; ; nonce++) {
    const hash = blockHash({ ...template, nonce })
    if (hexLeadingZeroBits(hash) >= difficulty) return toBlock(template, nonce, hash)
  }
}

function chain (from: Block | null, n: number, difficulty: number, tag: string): Block[] {
  const out: Block[] = []
  let prev = from
  for (let i = 0; i < n; i++) out.push(prev = mine(prev, `${tag}${i}`, difficulty))
  return out
}

function shuffle<T> (items: T[], seed: number): T[] {
  const out = items.slice()
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

interface Posted { block: unknown, author: string, authorSeq: number }

async function judge (t: test.Assert, name: string, posted: Posted[], minDifficulty: number) {
  const state = await kv(t, name)
  let seq = 0
  for (const p of posted) await placeBlock(state, p.block, { author: p.author, authorSeq: p.authorSeq, seq: seq++, minDifficulty })
  await state.flush()
  const main: string[] = []
  for await (const b of mainChain(state)) main.push(b.hash)
  const verdicts: Record<string, string> = {}
  for (const p of posted) verdicts[`${p.author}/${p.authorSeq}`] = (await getVerdict(state, p.author, p.authorSeq))!.status
  return { tip: await getTip(state), main, counts: await getCounts(state), verdicts }
}

test('fork choice depends only on the set of blocks: any arrival order gives the same main chain, tip and verdicts', async (t) => {
  const a = chain(null, 6, 6, 'a') // the heaviest: 6 blocks
  const b = chain(a[1]!, 3, 6, 'b') // a fork after height 1: stale
  const c = chain(a[2]!, 2, 6, 'c') // another one
  const orphanRoot = mine(null, 'never posted', 6)
  const orphans = chain(orphanRoot, 2, 6, 'o') // their root never arrives: pending
  const bad = { ...mine(a[5]!, 'forged', 6), data: 'changed' } // hash no longer matches
  const weak = mine(a[5]!, 'weak', 2) // below the room's minimum
  const wrongHeight = { ...a[3]!, height: 9 }
  const childOfWeak = mine(weak, 'after weak', 6)
  const blocks = [...a, ...b, ...c, ...orphans, bad, weak, wrongHeight, childOfWeak, a[4]!]
  const posted: Posted[] = blocks.map((block, i) => ({ block, author: i % 2 === 0 ? 'x'.repeat(64) : 'y'.repeat(64), authorSeq: i }))
  const verdictOf = (r: { verdicts: Record<string, string> }, block: unknown) => {
    const p = posted[blocks.indexOf(block as Block)]!
    return r.verdicts[`${p.author}/${p.authorSeq}`]
  }

  const first = await judge(t, 'order0', posted, 4)
  t.is(first.tip?.hash, a[5]!.hash, 'the heaviest chain wins')
  t.alike(first.main, a.map(x => x.hash), 'main chain, genesis first')
  t.alike(first.counts, { valid: 12, invalid: 4, pending: 2, blocks: 11 }, 'every valid block kept (main or stale); a duplicate counts as valid, once as a block')
  t.alike([bad, weak, wrongHeight, childOfWeak].map(x => verdictOf(first, x)), ['invalid', 'invalid', 'invalid', 'invalid'])
  t.alike(orphans.map(x => verdictOf(first, x)), ['pending', 'pending'], 'waiting for a prev that never came')
  t.alike([...b, ...c].map(x => verdictOf(first, x)), Array(5).fill('valid'), 'stale blocks are valid, kept')
  for (const seed of [1, 7, 42, 1000]) {
    const again = await judge(t, 'order' + seed, shuffle(posted, seed), 4)
    t.alike(again, first, `arrival order ${seed}: the same result`)
  }
  const reversed = await judge(t, 'reversed', posted.slice().reverse(), 4)
  t.alike(reversed, first, 'every block arriving before its prev: the same result')
})

test('every block waiting for one prev is placed when it arrives, and what waits for a block at the wrong height is invalid, in any order', async (t) => {
  const mineAt = (height: number, prev: string, data: unknown, difficulty: number): Block => {
    const template = { height, time: 1_700_000_000_000, prev, difficulty, data }
    for (let nonce = 0; ; nonce++) {
      const hash = blockHash({ ...template, nonce })
      if (hexLeadingZeroBits(hash) >= difficulty) return toBlock(template, nonce, hash)
    }
  }
  const p = mine(null, 'p', 4)
  const siblings = Array.from({ length: 40 }, (_, i) => mine(p, `sibling ${i}`, 4))
  const children = siblings.map((s, i) => mine(s, `child ${i}`, 4))
  const wrong = mineAt(5, p.hash, 'wrong height', 4) // its prev is at height 0
  const afterWrong = mine(wrong, 'after the wrong one', 4)
  const blocks = [...siblings, ...children, wrong, afterWrong, p] // all before their prev
  const posted: Posted[] = blocks.map((block, i) => ({ block, author: 'z'.repeat(64), authorSeq: i }))
  const first = await judge(t, 'siblings', posted, 4)
  t.alike(first.counts, { valid: 81, invalid: 2, pending: 0, blocks: 81 }, 'all 40 siblings and their 40 children placed; the wrong one and its child invalid')
  t.is(first.verdicts[`${'z'.repeat(64)}/81`], 'invalid', 'the child of the block at the wrong height')
  t.is(first.main.length, 3)
  for (const seed of [3, 99]) t.alike(await judge(t, 'siblings' + seed, shuffle(posted, seed), 4), first, `arrival order ${seed}: the same`)
  t.alike(await judge(t, 'siblings-fwd', posted.slice().reverse(), 4), first, 'prev first: the same')
})

test('block data nested deeper than 64 levels is invalid on every machine, and never breaks the room state', async (t) => {
  let deep: unknown = 'x'
  for (let i = 0; i < 65; i++) deep = [deep]
  let ok: unknown = 'x'
  for (let i = 0; i < 63; i++) ok = { a: ok }
  const g = mine(null, ok, 2)
  const tooDeep = mine(g, deep, 2)
  const r = await judge(t, 'deep', [g, tooDeep].map((block, i) => ({ block, author: 'd'.repeat(64), authorSeq: i })), 2)
  t.alike(r.counts, { valid: 1, invalid: 1, pending: 0, blocks: 1 })
  t.is(r.tip?.hash, g.hash, '64 levels are fine')
})

test('ties are broken by the lowest hash, and a heavier fork takes over (a reorg), whatever came first', async (t) => {
  const base = chain(null, 2, 5, 'g')
  const left = mine(base[1]!, 'left', 5)
  const right = mine(base[1]!, 'right', 5)
  const lower = left.hash < right.hash ? left : right
  for (const order of [[left, right], [right, left]]) {
    const r = await judge(t, 'tie' + order[0]!.hash.slice(0, 4), [...base, ...order].map((block, i) => ({ block, author: 'a'.repeat(64), authorSeq: i })), 0)
    t.is(r.tip?.hash, lower.hash, 'equal work: the lower hash')
  }
  const longer = chain(left.hash < right.hash ? right : left, 2, 5, 'l') // extends the higher-hash side
  const r = await judge(t, 'reorg', [...base, left, right, ...longer].map((block, i) => ({ block, author: 'a'.repeat(64), authorSeq: i })), 0)
  t.is(r.tip?.hash, longer[1]!.hash)
  t.is(r.main.length, 5)
})

test('a fork of 10,000 minimum-work blocks is judged in bounded time and stays stale against a heavier chain', { timeout: 180_000 }, async (t) => {
  const heavy = chain(null, 12, 12, 'h') // 12 x 2^12 = 49,152 work
  const started = Date.now()
  const fork: Block[] = []
  let prev: Block | null = null
  for (let i = 0; i < 10_000; i++) fork.push(prev = mine(prev, i, 2)) // 10,000 x 4 = 40,000 work
  const mined = Date.now() - started
  const state = await kv(t, 'spam')
  let seq = 0
  for (const block of heavy) await placeBlock(state, block, { author: 'h'.repeat(64), authorSeq: seq, seq: seq++, minDifficulty: 2 })
  const placing = Date.now()
  // sent backwards: every block waits for its prev until the first arrives
  for (const block of fork.slice().reverse()) await placeBlock(state, block, { author: 'f'.repeat(64), authorSeq: seq, seq: seq++, minDifficulty: 2 })
  await state.flush()
  const ms = Date.now() - placing
  t.comment(`mined the fork in ${mined} ms; judged 10,000 blocks (arriving backwards) in ${ms} ms`)
  t.is((await getTip(state))?.hash, heavy[11]!.hash, 'the main chain did not move')
  t.alike(await getCounts(state), { valid: 10_012, invalid: 0, pending: 0, blocks: 10_012 })
  t.ok(ms < 60_000, `bounded time: ${ms} ms`)
})

test('a reorganisation costs apply a few writes however deep the fork: two long equal forks flipping cannot make members rewrite them', { timeout: 120_000 }, async (t) => {
  const state = await kv(t, 'flip')
  let puts = 0
  const counted: KV = {
    get: (k) => state.get(k),
    put: (k, v) => { puts++; return state.put(k, v) },
    del: (k) => state.del(k),
    createReadStream: (r) => state.createReadStream(r)
  }
  const g = mine(null, 'g', 0)
  const a = chain(g, 1000, 0, 'a')
  const b = chain(g, 1000, 0, 'b')
  let seq = 0
  const place = (block: Block) => placeBlock(counted, block, { author: 'm'.repeat(64), authorSeq: seq, seq: seq++, minDifficulty: 0 })
  for (const block of [g, ...a, ...b]) await place(block)
  let tipA = a.at(-1)!
  let tipB = b.at(-1)!
  let flips = 0
  let most = 0
  let last = (await getTip(state))!.hash
  for (let i = 0; i < 10; i++) {
    const onA = i % 2 === 0
    const next = mine(onA ? tipA : tipB, `more ${i}`, 0)
    if (onA) tipA = next
    else tipB = next
    puts = 0
    await place(next)
    most = Math.max(most, puts)
    const tip = (await getTip(state))!.hash
    if (tip !== last) flips++
    last = tip
  }
  t.ok(flips >= 5, `the tip moved between the forks ${flips} times`)
  t.ok(most <= 10, `at most ${most} writes for a block that moves the tip 1,000 blocks deep`)
  const main: string[] = []
  for await (const p of mainChain(state)) main.push(p.hash)
  const winner = last === tipA.hash ? [g, ...a] : [g, ...b]
  t.is(main.length, 1006)
  t.is(main[500], winner[500]!.hash, 'the main chain walked back from the tip is the winning fork')
  t.is(main.at(-1), last)
})
