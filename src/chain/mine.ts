import { Worker } from 'node:worker_threads'
import ReadyResource from 'ready-resource'
import { type Block, type BlockTemplate, MAX_DIFFICULTY, toBlock } from './block.js'
import { miningCancelled, miningExhausted, miningStopped, usage } from '../errors.js'
import { MAX_NESTING, nestedDeeper } from '../entries.js'

export interface MineRequest {
  template: BlockTemplate
  start: number
}

export interface MineResult {
  nonce: number
  hash: string
  hashes: number
}

export interface Mined {
  block: Block
  hashes: number
  ms: number
}

export function checkDifficulty (d: number): number {
  if (!Number.isInteger(d) || d < 0 || d > MAX_DIFFICULTY) throw usage(`difficulty must be an integer from 0 to ${MAX_DIFFICULTY}, not ${d}`)
  return d
}

// On a worker thread, so the process keeps replicating while it searches.
export class Miner extends ReadyResource {
  private worker: Worker | null = null
  private nextId = 0
  private readonly pending = new Map<number, { worker: Worker, resolve: (r: MineResult) => void, reject: (err: Error) => void }>()

  async mine (template: BlockTemplate): Promise<Mined> {
    checkDifficulty(template.difficulty)
    if (template.data === undefined) throw usage('a block needs data (any JSON value)')
    if (nestedDeeper(template.data)) throw usage(`block data may nest at most ${MAX_NESTING} levels of arrays and objects`)
    if (this.closing !== null) throw miningStopped()
    const started = performance.now()
    const result = await this.run({ template, start: 0 })
    if (result.nonce < 0) throw miningExhausted()
    return { block: toBlock(template, result.nonce, result.hash), hashes: result.hashes, ms: performance.now() - started }
  }

  private run (request: MineRequest): Promise<MineResult> {
    const worker = this.worker ?? this.spawn()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject })
      worker.postMessage({ id, request })
    })
  }

  private spawn (): Worker {
    const worker = new Worker(new URL('./mine-worker.js', import.meta.url))
    worker.on('message', ({ id, result }: { id: number, result: MineResult }) => {
      const p = this.pending.get(id)
      this.pending.delete(id)
      p?.resolve(result)
    })
    // a worker's end fails only its own searches: a cancelled worker exits after the next search started on a fresh one
    worker.on('error', (err) => this.failAll(err, worker))
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null
      this.failAll(miningStopped(), worker)
    })
    this.worker = worker
    return worker
  }

  private failAll (err: Error, worker?: Worker): void {
    for (const [id, p] of this.pending) {
      if (worker !== undefined && p.worker !== worker) continue
      this.pending.delete(id)
      p.reject(err)
    }
  }

  // The tip moved: the search rejects with MINING_CANCELLED; the next one starts a fresh worker.
  async cancel (): Promise<void> {
    const worker = this.worker
    if (worker === null) return
    this.worker = null
    this.failAll(miningCancelled(), worker)
    await worker.terminate()
  }

  protected override async _close (): Promise<void> {
    const worker = this.worker
    this.worker = null
    if (worker) await worker.terminate()
    this.failAll(miningStopped())
  }
}

export async function mineBlock (template: BlockTemplate): Promise<Mined> {
  const miner = new Miner()
  try {
    return await miner.mine(template)
  } finally {
    await miner.close()
  }
}

export function parseBlockData (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw usage(`block data must be JSON (for text, quote it: '"hello"'), not ${JSON.stringify(text.length > 40 ? text.slice(0, 37) + '...' : text)}`)
  }
}
