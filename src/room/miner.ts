import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { MAX_DIFFICULTY, nextTemplate } from '../chain/block.js'
import { checkBlockData } from '../chain/block-limits.js'
import type { ChainTip } from '../chain/fork-choice.js'
import { Miner, type Mined } from '../chain/mine.js'
import { isHyperfeedError, miningStopped, notMember, usage } from '../errors.js'
import { toHex } from '../keys.js'
import { RoomChain } from './chain.js'
import type { Room } from './room.js'

export interface RoomMined extends Mined {
  authorSeq: number
  restarts: number
}

export interface MineOptions {
  difficulty?: number
  onTemplate?: (height: number, difficulty: number) => void
  onRestart?: (tip: ChainTip) => void
}

// When the tip moves while it mines (another member's block won), it starts
// over on the new tip rather than finish a block that would be stale.
export class RoomMiner extends ReadyResource {
  readonly room: Room
  readonly chain: RoomChain
  private readonly miner = new Miner()
  private queue: Promise<unknown> = Promise.resolve()

  constructor (room: Room) {
    super()
    this.room = room
    this.chain = new RoomChain(room)
  }

  protected override async _close (): Promise<void> {
    await this.miner.close()
    await this.queue
  }

  async difficulty (requested?: number): Promise<number> {
    const min = (await this.room.config())?.difficulty ?? 0
    if (requested === undefined) return min
    if (!Number.isInteger(requested) || requested < min || requested > MAX_DIFFICULTY) throw usage(`difficulty must be an integer from the room's ${min} to ${MAX_DIFFICULTY}, not ${requested}`)
    return requested
  }

  mine (data: unknown, opts: MineOptions = {}): Promise<RoomMined> {
    if (this.closing !== null) return Promise.reject(miningStopped())
    // no work spent on a block the room would refuse
    try {
      checkBlockData(data)
    } catch (err) {
      return Promise.reject(err)
    }
    const run = this.queue.then(() => this.mineNow(data, opts))
    this.queue = run.catch(safetyCatch)
    return run
  }

  private async mineNow (data: unknown, { difficulty: requested, onTemplate, onRestart }: MineOptions): Promise<RoomMined> {
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
        if (isHyperfeedError(err) && err.code === 'MINING_CANCELLED') {
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
}
