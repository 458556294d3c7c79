import type Autobase from 'autobase'
import safetyCatch from 'safety-catch'

export interface Appended {
  seq: number
  length: number
}

// One batch at a time, in call order, so the seq each reports is where its own
// first block landed.
export class AppendQueue {
  private readonly base: Autobase<unknown>
  private last: Promise<unknown> = Promise.resolve()

  constructor (base: Autobase<unknown>) {
    this.base = base
  }

  // `check` runs in turn, right before the append: a throw refuses it; then
  // `prepare` may turn the blocks into what is written (sealing them)
  append (blocks: Buffer[], { optimistic = false, check, prepare }: { optimistic?: boolean, check?: () => Promise<void>, prepare?: (blocks: Buffer[]) => Promise<Buffer[]> } = {}): Promise<Appended> {
    const run = this.last.then(async () => {
      await check?.()
      if (prepare !== undefined) blocks = await prepare(blocks)
      const seq = this.base.local.length
      if (blocks.length > 0) await this.base.append(blocks, optimistic ? { optimistic } : undefined)
      return { seq, length: this.base.local.length }
    })
    this.last = run.catch(safetyCatch)
    return run
  }

  async idle (): Promise<void> {
    await this.last
  }
}
