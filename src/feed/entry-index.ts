import type Hypercore from 'hypercore'
import type { EntryLocation } from './follow.js'
import { peekBlock } from './pack.js'

const PROBE_CACHE = 4096

type Probe = { first: number, count: number } | null

// Entry numbers over blocks: plain blocks (one entry each), then only packed ones, so entry N is
// block N before the first packed block, and after it the packed block with the largest `first` <= N.
export class EntryIndex {
  private readonly core: Hypercore
  // undefined until known, null when there is none
  private packedFrom: number | null | undefined
  private readonly probes = new Map<number, Probe>()
  private counted = { blocks: 0, entries: 0 }
  private lastPacked = false

  constructor (core: Hypercore) {
    this.core = core
  }

  get length (): number {
    return this.counted.entries
  }

  get packed (): boolean {
    return this.lastPacked
  }

  // without wait, a last block not stored here leaves the count where it was
  async count ({ wait = true } = {}): Promise<number> {
    const blocks = this.core.length
    if (blocks === this.counted.blocks) return this.counted.entries
    if (blocks < this.counted.blocks) this.reset() // truncated
    if (blocks === 0) return this.set(0, 0)
    const last = await this.probe(blocks - 1, wait)
    if (last === undefined) return this.counted.entries
    this.lastPacked = last !== null
    if (last === null) {
      this.packedFrom = null
      return this.set(blocks, blocks)
    }
    if (this.packedFrom === null) this.packedFrom = undefined // packing began since
    return this.set(blocks, last.first + last.count)
  }

  async entriesIn (blocks: number): Promise<number | null> {
    if (blocks <= 0) return 0
    const last = await this.probe(blocks - 1, false)
    if (last === undefined) return null
    return last === null ? blocks : last.first + last.count // plain blocks come before packed ones
  }

  appended (blocks: number, entries: number, packed: boolean): void {
    this.lastPacked = packed
    if (packed && typeof this.packedFrom !== 'number') this.packedFrom = this.counted.blocks
    if (!packed && this.packedFrom === undefined && this.counted.blocks === 0) this.packedFrom = null
    this.set(this.counted.blocks + blocks, this.counted.entries + entries)
  }

  async locate (entry: number, { wait = true } = {}): Promise<EntryLocation | null> {
    const blocks = this.core.length
    if (blocks === 0) return null
    const from = await this.firstPacked(blocks, wait)
    if (from === undefined) return null
    if (from === null) return entry < blocks ? { block: entry, offset: 0 } : null
    if (entry < from) return { block: entry, offset: 0 }
    let lo = from
    let hi = blocks - 1
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      const p = await this.probe(mid, wait)
      if (p === undefined) return null
      if (p === null || p.first > entry) hi = mid - 1
      else lo = mid
    }
    const at = await this.probe(lo, wait)
    if (at === undefined || at === null) return null
    if (entry < at.first + at.count) return { block: lo, offset: Math.max(0, entry - at.first) }
    return lo + 1 < blocks ? { block: lo + 1, offset: 0 } : null
  }

  private async firstPacked (blocks: number, wait: boolean): Promise<number | null | undefined> {
    if (this.packedFrom === null && blocks <= this.counted.blocks) return null
    if (typeof this.packedFrom === 'number') return this.packedFrom
    const last = await this.probe(blocks - 1, wait)
    if (last === undefined) return undefined
    if (last === null) {
      this.packedFrom = null
      return null
    }
    let lo = 0
    let hi = blocks - 1
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2)
      const p = await this.probe(mid, wait)
      if (p === undefined) return undefined
      if (p === null) lo = mid + 1
      else hi = mid
    }
    this.packedFrom = lo
    return lo
  }

  private async probe (block: number, wait: boolean): Promise<Probe | undefined> {
    const cached = this.probes.get(block)
    if (cached !== undefined) return cached
    const data = await this.core.get(block, { wait })
    if (data === null) return undefined
    const p = peekBlock(data)
    if (this.probes.size >= PROBE_CACHE) this.probes.delete(this.probes.keys().next().value!)
    this.probes.set(block, p)
    return p
  }

  private set (blocks: number, entries: number): number {
    this.counted = { blocks, entries }
    return entries
  }

  private reset (): void {
    this.lastPacked = false
    this.probes.clear()
    this.packedFrom = undefined
    this.counted = { blocks: 0, entries: 0 }
  }
}
