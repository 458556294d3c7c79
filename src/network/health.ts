import { EventEmitter } from 'node:events'
import type DHT from 'hyperdht'
import safetyCatch from 'safety-catch'

// How long a DHT may go without any bootstrap node answering before we say so.
export const UNREACHABLE_AFTER = 5000
const PING_INTERVAL = 2500
const RECHECK_INTERVAL = 10_000

// Watches whether any of the DHT's bootstrap nodes answers a ping. Emits
// 'unreachable' once when none has answered for UNREACHABLE_AFTER ms, and
// 'reachable' when one answers again after that. Without a bootstrap node a
// swarm finds nobody, and nothing else would tell the user.
export class BootstrapHealth extends EventEmitter {
  private readonly dht: DHT
  private readonly nodes: { host: string, port: number }[]
  private timer: NodeJS.Timeout | null = null
  private readonly unreachableAfter: number
  private lastAnswer = Date.now()
  reachable: boolean | null = null
  private stopped = false

  constructor (dht: DHT, nodes: { host: string, port: number }[], { unreachableAfter = UNREACHABLE_AFTER } = {}) {
    super()
    this.dht = dht
    this.nodes = nodes
    this.unreachableAfter = unreachableAfter
  }

  start (): void {
    if (this.nodes.length === 0) return
    this.check()
  }

  private check (): void {
    if (this.stopped) return
    const pings = this.nodes.map(node => this.dht.ping(node).then(() => true, () => false))
    Promise.all(pings).then(answers => {
      if (this.stopped) return
      const now = Date.now()
      if (answers.some(Boolean)) {
        this.lastAnswer = now
        if (this.reachable === false) this.emit('reachable')
        this.reachable = true
      } else if (now - this.lastAnswer >= this.unreachableAfter && this.reachable !== false) {
        this.reachable = false
        this.emit('unreachable')
      }
      this.timer = setTimeout(() => this.check(), this.reachable === true ? RECHECK_INTERVAL : PING_INTERVAL)
      this.timer.unref()
    }).catch(safetyCatch)
  }

  stop (): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }
}
