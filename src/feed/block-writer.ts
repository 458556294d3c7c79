import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { type BlockTemplate, DEFAULT_DIFFICULTY, nextTemplate } from '../chain/block.js'
import { Miner, type Mined, checkDifficulty } from '../chain/mine.js'
import { miningStopped, notWritable } from '../errors.js'
import type { Feed } from './feed.js'
import { toHex } from '../keys.js'

const MINE_ATTEMPTS = 3

// If something else appended a block while mining, mines again on the new tip.
export async function mineNext (feed: Feed, data: unknown, { difficulty = DEFAULT_DIFFICULTY, miner, onTemplate }: { difficulty?: number, miner: Miner, onTemplate?: (t: BlockTemplate) => void }): Promise<Mined & { seq: number }> {
  if (!feed.writable) throw notWritable(`feed ${toHex(feed.key)}`)
  for (let attempt = 1; ; attempt++) {
    const tip = await feed.chainTip()
    const template = nextTemplate(tip, data, difficulty)
    onTemplate?.(template)
    const mined = await miner.mine(template)
    try {
      const { seq } = await feed.append(mined.block)
      return { ...mined, seq }
    } catch (err) {
      const moved = JSON.stringify(await feed.chainTip()) !== JSON.stringify(tip)
      if (!moved || attempt >= MINE_ATTEMPTS) throw err
    }
  }
}

// One block at a time, each on the tip the one before it made: shared by everything that mines into the feed.
export class BlockWriter extends ReadyResource {
  readonly feed: Feed
  readonly difficulty: number
  private miner: Miner | null = null
  private queue: Promise<unknown> = Promise.resolve()

  constructor (feed: Feed, { difficulty = DEFAULT_DIFFICULTY } = {}) {
    super()
    this.feed = feed
    this.difficulty = checkDifficulty(difficulty)
  }

  mine (data: unknown, { difficulty = this.difficulty, onTemplate }: { difficulty?: number, onTemplate?: (t: BlockTemplate) => void } = {}): Promise<Mined & { seq: number }> {
    checkDifficulty(difficulty)
    if (this.closing !== null) return Promise.reject(miningStopped())
    this.miner ??= new Miner()
    const miner = this.miner
    const run = this.queue.then(() => mineNext(this.feed, data, { difficulty, miner, onTemplate }))
    this.queue = run.catch(safetyCatch)
    return run
  }

  // a block being mined is abandoned, never half-appended
  protected override async _close (): Promise<void> {
    await this.miner?.close()
    await this.queue
  }
}
