import safetyCatch from 'safety-catch'
import { type Block, MAX_DIFFICULTY, nextTemplate } from '../chain/block.js'
import { type ChainCounts, type ChainTip, type KV, MainChain, type PlacedBlock, type Verdict, getCounts, getTip, getVerdict, mainChain } from '../chain/fork-choice.js'
import { Miner, type Mined } from '../chain/mine.js'
import { isUnreadable } from '../entries.js'
import { HyperfeedError, notMember, usage } from '../errors.js'
import { toHex } from '../keys.js'
import type { RoomEntry } from './follow.js'
import type { Room } from './room.js'

export interface ChainSummary {
  tip: ChainTip | null
  // the room's minimum difficulty
  difficulty: number
  counts: ChainCounts
  // valid blocks off the main chain
  stale: number
}

export interface MainBlock {
  height: number
  hash: string
  author: string
  authorSeq: number
  value: Block
}

// What a block entry is, as of now: valid on the main chain, valid but
// stale, invalid (with why), or waiting for its prev.
export type BlockMark = { valid: true, chain: 'main' | 'stale' } | { valid: false, error: string }

// The room's chain as its state records it (apply places blocks with
// fork-choice.ts; this only reads).
export class RoomChain {
  readonly room: Room

  // the main chain as this reader last walked it
  private readonly main = new MainChain()

  constructor (room: Room) {
    this.room = room
  }

  private get kv (): KV {
    return this.room.base.view.state as unknown as KV
  }

  tip (): Promise<ChainTip | null> {
    return getTip(this.kv)
  }

  async summary (): Promise<ChainSummary> {
    const [tip, counts, config] = await Promise.all([this.tip(), getCounts(this.kv), this.room.config()])
    return { tip, difficulty: config?.difficulty ?? 0, counts, stale: counts.blocks - (tip === null ? 0 : tip.height + 1) }
  }

  // The main chain, genesis first, with each block's entry.
  async * blocks ({ start = 0 }: { start?: number } = {}): AsyncGenerator<MainBlock> {
    for await (const placed of mainChain(this.kv, { start, chain: this.main })) {
      const block = await this.entryOf(placed)
      if (block !== null) yield { height: placed.height, hash: placed.hash, author: placed.author, authorSeq: placed.authorSeq, value: block }
    }
  }

  private async entryOf (placed: PlacedBlock): Promise<Block | null> {
    const [entry] = await this.room.read(placed.seq, placed.seq + 1)
    if (entry === undefined || isUnreadable(entry) || entry.author !== placed.author || entry.authorSeq !== placed.authorSeq) return null
    return entry.value as Block
  }

  // Marks the block entries of a batch as of now.
  async marks (entries: RoomEntry[]): Promise<Map<RoomEntry, BlockMark>> {
    const out = new Map<RoomEntry, BlockMark>()
    if (!entries.some(e => !isUnreadable(e) && e.value.type === 'block')) return out
    const main = await this.main.refresh(this.kv)
    for (const e of entries) {
      if (isUnreadable(e) || e.value.type !== 'block') continue
      const verdict = await getVerdict(this.kv, e.author, e.authorSeq)
      out.set(e, mark(verdict, e, main))
    }
    return out
  }
}

function mark (verdict: Verdict | null, e: RoomEntry, main: readonly string[]): BlockMark {
  if (verdict === null) return { valid: false, error: 'not judged yet' }
  if (verdict.status !== 'valid') return { valid: false, error: verdict.error }
  const height = isUnreadable(e) ? -1 : e.value.height as number
  return { valid: true, chain: main[height] === verdict.hash ? 'main' : 'stale' }
}

export interface RoomMined extends Mined {
  authorSeq: number
  // how many times the tip moved while mining (each time it started over)
  restarts: number
}

// Mines blocks for a member on the room's tip, on a worker thread. When the
// tip moves while it mines (another member's block won), it drops the search
// and starts over on the new tip, rather than finish a block that would be stale.
export class RoomMiner {
  readonly room: Room
  readonly chain: RoomChain
  private readonly miner = new Miner()
  private queue: Promise<unknown> = Promise.resolve()

  constructor (room: Room) {
    this.room = room
    this.chain = new RoomChain(room)
  }

  async difficulty (requested?: number): Promise<number> {
    const min = (await this.room.config())?.difficulty ?? 0
    if (requested === undefined) return min
    if (!Number.isInteger(requested) || requested < min || requested > MAX_DIFFICULTY) throw usage(`difficulty must be an integer from the room's ${min} to ${MAX_DIFFICULTY}, not ${requested}`)
    return requested
  }

  mine (data: unknown, opts: { difficulty?: number, onTemplate?: (height: number, difficulty: number) => void, onRestart?: (tip: ChainTip) => void } = {}): Promise<RoomMined> {
    const run = this.queue.then(() => this.mineNow(data, opts))
    this.queue = run.catch(safetyCatch)
    return run
  }

  private async mineNow (data: unknown, { difficulty: requested, onTemplate, onRestart }: { difficulty?: number, onTemplate?: (height: number, difficulty: number) => void, onRestart?: (tip: ChainTip) => void }): Promise<RoomMined> {
    if (!(await this.room.isMember())) throw notMember(toHex(this.room.key))
    const difficulty = await this.difficulty(requested)
    for (let restarts = 0; ; restarts++) {
      const tip = await this.chain.tip()
      const template = nextTemplate(tip, data, difficulty)
      onTemplate?.(template.height, difficulty)
      let searching = true // a late check must not cancel the next search
      const moved = async () => {
        const now = await this.chain.tip()
        if (searching && now !== null && now.hash !== tip?.hash) await this.miner.cancel()
      }
      const onUpdate = () => { moved().catch(safetyCatch) }
      this.room.on('update', onUpdate)
      let mined: Mined
      try {
        mined = await this.miner.mine(template)
      } catch (err) {
        if (err instanceof HyperfeedError && err.code === 'MINING_CANCELLED') {
          const now = await this.chain.tip()
          if (now !== null) onRestart?.(now)
          continue
        }
        throw err
      } finally {
        searching = false
        this.room.off('update', onUpdate)
      }
      const now = await this.chain.tip()
      if (now !== null && now.hash !== tip?.hash) {
        onRestart?.(now)
        continue
      }
      const { seq } = await this.room.append([mined.block])
      return { ...mined, authorSeq: seq, restarts }
    }
  }

  async close (): Promise<void> {
    await this.miner.close()
    await this.queue
  }
}
