import type DHT from 'hyperdht'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'

export const UNREACHABLE_AFTER = 5000
const PING_INTERVAL = 2500
const RECHECK_INTERVAL = 10_000

// Without a bootstrap node a swarm finds nobody, and nothing else would say so.
export class BootstrapHealth extends ReadyResource {
  private readonly dht: DHT
  private readonly nodes: { host: string, port: number }[]
  private timer: NodeJS.Timeout | null = null
  private readonly unreachableAfter: number
  private lastAnswer = 0
  reachable: boolean | null = null

  constructor (dht: DHT, nodes: { host: string, port: number }[], { unreachableAfter = UNREACHABLE_AFTER } = {}) {
    super()
    this.dht = dht
    this.nodes = nodes
    this.unreachableAfter = unreachableAfter
  }

  protected override async _open (): Promise<void> {
    this.lastAnswer = Date.now()
    if (this.nodes.length > 0) this.check()
  }

  private check (): void {
    if (this.closing !== null) return
    const pings = this.nodes.map(node => this.dht.ping(node).then(() => true, () => false))
    Promise.all(pings).then(answers => {
      if (this.closing !== null) return
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

  protected override async _close (): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
  }
}
