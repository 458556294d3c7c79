import type { Block } from '../chain/block.js'
import { type ChainCounts, type ChainTip, type KV, MainChain, type PlacedBlock, type Verdict, getCounts, getTip, getVerdict, mainChain } from '../chain/fork-choice.js'
import { isUnreadable } from '../entries.js'
import type { RoomEntry } from './follow.js'
import type { Room } from './room.js'

export interface ChainSummary {
  tip: ChainTip | null
  difficulty: number
  counts: ChainCounts
  stale: number
}

export interface MainBlock {
  height: number
  hash: string
  author: string
  authorSeq: number
  value: Block
}

export type BlockMark = { valid: true, chain: 'main' | 'stale' } | { valid: false, error: string }

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
