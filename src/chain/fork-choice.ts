import { type Block, GENESIS_PREV, blockHash, checkShape, hexLeadingZeroBits } from './block.js'

// Fork choice over a set of blocks kept in a key-value store (a room's state): the main
// chain ends at the valid block with the most cumulative work (sum of 2^difficulty), ties
// to the lowest hash, whatever order the blocks came in. Keys: b/<hash> valid block,
// bad/<hash> invalid, o/<prev>/<hash>/.. waiting for its prev, v/<author>/<seq> verdict,
// tip, chain (counts). The main chain is not stored: readers walk it back from the tip
// (MainChain), so a reorganisation costs apply one write however deep it goes.
export interface KV {
  get (key: string): Promise<{ value: unknown } | null>
  put (key: string, value: unknown): Promise<void>
  del (key: string): Promise<void>
  createReadStream (range: { gte?: string, lt?: string, gt?: string, lte?: string, reverse?: boolean, limit?: number }): AsyncIterable<{ key: string, value: unknown }>
}

export interface PlacedBlock {
  hash: string
  height: number
  prev: string
  difficulty: number
  // a decimal string (a BigInt)
  work: string
  author: string
  authorSeq: number
  seq: number
}

export interface ChainTip {
  hash: string
  height: number
  work: string
}

export type Verdict =
  | { status: 'valid', hash: string }
  | { status: 'invalid', hash: string | null, error: string }
  | { status: 'pending', hash: string, error: string }

export interface ChainCounts {
  // a block posted twice counts twice
  valid: number
  invalid: number
  pending: number
  blocks: number
}

interface Waiting {
  block: Block
  author: string
  authorSeq: number
  seq: number
}

const verdictKey = (author: string, authorSeq: number) => `v/${author}/${authorSeq}`
const COUNTS = 'chain'
const TIP = 'tip'

export function workOf (difficulty: number): bigint {
  return 1n << BigInt(difficulty)
}

export function checkIntrinsic (value: unknown, minDifficulty: number): { ok: true } | { ok: false, error: string, hashRight: boolean } {
  const shape = checkShape(value)
  if (shape !== null) return { ok: false, error: shape, hashRight: false }
  const b = value as Block
  let hash: string
  try {
    hash = blockHash(b)
  } catch {
    return { ok: false, error: 'data too deeply nested to hash', hashRight: false }
  }
  if (hash !== b.hash) return { ok: false, error: `hash ${b.hash.slice(0, 12)} does not match the content (${hash.slice(0, 12)})`, hashRight: false }
  const zeros = hexLeadingZeroBits(hash)
  if (zeros < b.difficulty) return { ok: false, error: `hash has ${zeros} leading zero bits, difficulty ${b.difficulty} needs more`, hashRight: true }
  if (b.difficulty < minDifficulty) return { ok: false, error: `difficulty ${b.difficulty} is below the room's ${minDifficulty}`, hashRight: true }
  return { ok: true }
}

export async function placeBlock (kv: KV, value: unknown, { author, authorSeq, seq, minDifficulty }: { author: string, authorSeq: number, seq: number, minDifficulty: number }): Promise<Verdict> {
  const counts = await getCounts(kv)
  const intrinsic = checkIntrinsic(value, minDifficulty)
  if (!intrinsic.ok) {
    const hash = intrinsic.hashRight ? (value as Block).hash : null
    const verdict = await record(kv, counts, author, authorSeq, { status: 'invalid', hash, error: intrinsic.error })
    if (hash !== null) await markBad(kv, counts, hash, intrinsic.error)
    return verdict
  }
  const b = value as Block
  if ((await kv.get('b/' + b.hash)) !== null) {
    return record(kv, counts, author, authorSeq, { status: 'valid', hash: b.hash })
  }
  const placement = await locate(kv, b)
  if (placement.status === 'ok') {
    const verdict = await record(kv, counts, author, authorSeq, { status: 'valid', hash: b.hash })
    await accept(kv, counts, b, placement.work, author, authorSeq, seq)
    return verdict
  }
  if (placement.status === 'pending') {
    await kv.put(`o/${b.prev}/${b.hash}/${author}/${authorSeq}`, { block: b, author, authorSeq, seq } satisfies Waiting)
    return record(kv, counts, author, authorSeq, { status: 'pending', hash: b.hash, error: placement.error })
  }
  const verdict = await record(kv, counts, author, authorSeq, { status: 'invalid', hash: b.hash, error: placement.error })
  await markBad(kv, counts, b.hash, placement.error)
  return verdict
}

// Blocks waiting for an invalid block (and for those) are invalid too, whenever they came.
async function markBad (kv: KV, counts: ChainCounts, first: string, error: string): Promise<void> {
  if ((await kv.get('bad/' + first)) !== null || (await kv.get('b/' + first)) !== null) return
  await kv.put('bad/' + first, error)
  const queue = [first]
  while (queue.length > 0) {
    const hash = queue.shift()!
    for (const { key, value } of await waitingFor(kv, hash)) {
      await kv.del(key)
      const w = value as Waiting
      const reason = `prev ${hash.slice(0, 12)} is an invalid block`
      counts.pending--
      counts.invalid++
      await kv.put(verdictKey(w.author, w.authorSeq), { status: 'invalid', hash: w.block.hash, error: reason } satisfies Verdict)
      if ((await kv.get('bad/' + w.block.hash)) === null) {
        await kv.put('bad/' + w.block.hash, reason)
        queue.push(w.block.hash)
      }
    }
  }
  await kv.put(COUNTS, counts)
}

// Read out before any is removed: a Hyperbee batch's range stream is not a snapshot.
async function waitingFor (kv: KV, hash: string): Promise<{ key: string, value: unknown }[]> {
  const out: { key: string, value: unknown }[] = []
  for await (const entry of kv.createReadStream({ gt: `o/${hash}/`, lt: `o/${hash}0` })) out.push(entry)
  return out
}

async function locate (kv: KV, b: Block): Promise<{ status: 'ok', work: bigint } | { status: 'pending' | 'invalid', error: string }> {
  if (b.prev === GENESIS_PREV) {
    if (b.height !== 0) return { status: 'invalid', error: `prev is genesis but height is ${b.height} (a genesis block has height 0)` }
    return { status: 'ok', work: workOf(b.difficulty) }
  }
  const parent = (await kv.get('b/' + b.prev))?.value as PlacedBlock | undefined
  if (parent === undefined) {
    if ((await kv.get('bad/' + b.prev)) !== null) return { status: 'invalid', error: `prev ${b.prev.slice(0, 12)} is an invalid block` }
    return { status: 'pending', error: `prev ${b.prev.slice(0, 12)} is not in the room (yet)` }
  }
  if (b.height !== parent.height + 1) return { status: 'invalid', error: `height ${b.height} does not follow its prev's ${parent.height}` }
  return { status: 'ok', work: BigInt(parent.work) + workOf(b.difficulty) }
}

// Iterative: a long chain that arrives backwards costs no stack.
async function accept (kv: KV, counts: ChainCounts, first: Block, firstWork: bigint, author: string, authorSeq: number, seq: number): Promise<void> {
  const queue: { block: Block, work: bigint, author: string, authorSeq: number, seq: number }[] = [{ block: first, work: firstWork, author, authorSeq, seq }]
  let best = await getTip(kv)
  let bestWork = best === null ? -1n : BigInt(best.work)
  let moved: PlacedBlock | null = null
  while (queue.length > 0) {
    const next = queue.shift()!
    const { block: b, work } = next
    const placed: PlacedBlock = { hash: b.hash, height: b.height, prev: b.prev, difficulty: b.difficulty, work: work.toString(), author: next.author, authorSeq: next.authorSeq, seq: next.seq }
    await kv.put('b/' + b.hash, placed)
    counts.blocks++
    if (work > bestWork || (work === bestWork && best !== null && b.hash < best.hash)) {
      best = { hash: b.hash, height: b.height, work: placed.work }
      bestWork = work
      moved = placed
    }
    for (const { key, value } of await waitingFor(kv, b.hash)) {
      await kv.del(key)
      const w = value as Waiting
      counts.pending--
      const location = w.block.height === b.height + 1 ? null : `height ${w.block.height} does not follow its prev's ${b.height}`
      if (location !== null) {
        counts.invalid++
        await kv.put(verdictKey(w.author, w.authorSeq), { status: 'invalid', hash: w.block.hash, error: location } satisfies Verdict)
        await markBad(kv, counts, w.block.hash, location)
        continue
      }
      counts.valid++
      await kv.put(verdictKey(w.author, w.authorSeq), { status: 'valid', hash: w.block.hash } satisfies Verdict)
      if (queue.some(q => q.block.hash === w.block.hash) || (await kv.get('b/' + w.block.hash)) !== null) continue
      queue.push({ block: w.block, work: work + workOf(w.block.difficulty), author: w.author, authorSeq: w.authorSeq, seq: w.seq })
    }
  }
  await kv.put(COUNTS, counts)
  if (moved !== null) await moveTip(kv, moved)
}

async function moveTip (kv: KV, tip: PlacedBlock): Promise<void> {
  await kv.put(TIP, { hash: tip.hash, height: tip.height, work: tip.work } satisfies ChainTip)
}

async function record (kv: KV, counts: ChainCounts, author: string, authorSeq: number, verdict: Verdict): Promise<Verdict> {
  counts[verdict.status]++
  await kv.put(verdictKey(author, authorSeq), verdict)
  await kv.put(COUNTS, counts)
  return verdict
}

export async function getTip (kv: Pick<KV, 'get'>): Promise<ChainTip | null> {
  return ((await kv.get(TIP))?.value as ChainTip | undefined) ?? null
}

export async function getCounts (kv: Pick<KV, 'get'>): Promise<ChainCounts> {
  return { valid: 0, invalid: 0, pending: 0, blocks: 0, ...((await kv.get(COUNTS))?.value as ChainCounts | undefined) }
}

export async function getVerdict (kv: Pick<KV, 'get'>, author: string, authorSeq: number): Promise<Verdict | null> {
  return ((await kv.get(verdictKey(author, authorSeq)))?.value as Verdict | undefined) ?? null
}

export async function getBlock (kv: Pick<KV, 'get'>, hash: string): Promise<PlacedBlock | null> {
  return ((await kv.get('b/' + hash))?.value as PlacedBlock | undefined) ?? null
}

// Kept in memory, so after a reorganisation a reader walks back only as deep as the fork.
export class MainChain {
  private tipHash: string | null = null
  private hashes: string[] = []
  private refreshing: Promise<readonly string[]> | null = null

  async refresh (kv: Pick<KV, 'get'>): Promise<readonly string[]> {
    while (this.refreshing !== null) await this.refreshing
    this.refreshing = this.walk(kv).finally(() => { this.refreshing = null })
    return this.refreshing
  }

  private async walk (kv: Pick<KV, 'get'>): Promise<readonly string[]> {
    // the view can change between reads (Autobase re-applies): a walk that finds a block
    // missing starts again from the tip, a few times at most
    for (let attempt = 0; attempt < 3; attempt++) {
      const tip = await getTip(kv)
      if (tip === null) {
        this.tipHash = null
        this.hashes = []
        return this.hashes
      }
      if (tip.hash === this.tipHash) return this.hashes
      const fresh: string[] = [] // from the tip down, until the known chain
      let keep = 0
      let hash = tip.hash
      let height = tip.height
      let complete = true
      for (;;) {
        if (this.hashes[height] === hash) {
          keep = height + 1
          break
        }
        fresh.push(hash)
        if (height === 0) break
        const placed = await getBlock(kv, hash)
        if (placed === null || placed.height !== height) {
          complete = false
          break
        }
        hash = placed.prev
        height--
      }
      if (!complete) continue
      this.hashes = this.hashes.slice(0, keep).concat(fresh.reverse())
      this.tipHash = tip.hash
      return this.hashes
    }
    return this.hashes
  }
}

export async function * mainChain (kv: Pick<KV, 'get'>, { start = 0, chain = new MainChain() }: { start?: number, chain?: MainChain } = {}): AsyncGenerator<PlacedBlock> {
  const hashes = await chain.refresh(kv)
  for (let h = start; h < hashes.length; h++) {
    const block = await getBlock(kv, hashes[h]!)
    if (block !== null) yield block
  }
}
