import dgram from 'node:dgram'
import net from 'node:net'
import { EventEmitter } from 'node:events'
import DHT from 'hyperdht'
import { portInUse, usage } from '../errors.js'
import safetyCatch from 'safety-catch'

// --local uses one bootstrap node on a fixed loopback port. It sits below the
// kernel's ephemeral range and outside hyperdht's default 49737-49741, so no
// ordinary DHT node (which binds those first, then an ephemeral port) takes it.
export const LOCAL_HOST = '127.0.0.1'
export const LOCAL_PORT = 30737
const POLL_INTERVAL = 1000

// HYPERFEED_LOCAL_PORT moves --local (and `hyperfeed bootstrap`'s default) to
// another port: a second setup on one machine, or tests that cannot own 30737.
export function localPort (env: NodeJS.ProcessEnv = process.env): number {
  const value = env.HYPERFEED_LOCAL_PORT
  if (value === undefined || value === '') return LOCAL_PORT
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  if (!(port >= 1 && port <= 65535)) throw usage(`HYPERFEED_LOCAL_PORT must be a whole number from 1 to 65535, not ${JSON.stringify(value)}`)
  return port
}

export interface BootstrapNodeOptions {
  host?: string
  port?: number
  // keep trying to take the port over when it is held by another process
  takeover?: boolean
}

// Runs the DHT bootstrap node at host:port if nobody does, and (with takeover)
// starts it when the process holding it exits. Holding is arbitrated by a TCP
// listener on the same port: unlike a DHT node that fails to bind, a failed TCP
// listen leaves nothing behind, and the kernel frees it when its holder dies.
export class BootstrapNode extends EventEmitter {
  readonly host: string
  readonly port: number
  private readonly takeover: boolean
  private lock: net.Server | null = null
  private node: DHT | null = null
  private timer: NodeJS.Timeout | null = null
  private trying: Promise<boolean> | null = null
  private closed = false

  constructor ({ host = LOCAL_HOST, port = LOCAL_PORT, takeover = true }: BootstrapNodeOptions = {}) {
    super()
    this.host = host
    this.port = port
    this.takeover = takeover
  }

  get holding (): boolean {
    return this.node !== null
  }

  get address (): string {
    return `${this.host}:${this.port}`
  }

  // Resolves true when this process now runs the node, false when another does.
  async start (): Promise<boolean> {
    const held = await this.tryHold()
    if (!held && this.takeover && !this.closed) {
      this.timer = setInterval(() => { this.poll().catch(err => this.emit('warning', err)) }, POLL_INTERVAL)
      this.timer.unref()
    }
    return held
  }

  private async poll (): Promise<void> {
    if (this.holding || this.closed) return
    if (await this.tryHold()) {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
      this.emit('takeover')
    }
  }

  private tryHold (): Promise<boolean> {
    if (this.trying === null) this.trying = this.tryHoldNow().finally(() => { this.trying = null })
    return this.trying
  }

  private async tryHoldNow (): Promise<boolean> {
    const lock = await listenTcp(this.port, this.host)
    if (lock === null || this.closed) {
      lock?.close()
      return false
    }
    // We hold the lock, so no hyperfeed process runs a node here. If the UDP
    // port is busy anyway, some other program has it: leave it alone.
    if (!(await udpFree(this.port, this.host))) {
      lock.close()
      return false
    }
    const node = DHT.bootstrapper(this.port, this.host, { host: this.host })
    try {
      await node.ready()
    } catch (err) {
      lock.close()
      throw err
    }
    if (this.closed) {
      lock.close()
      await node.destroy()
      return false
    }
    this.lock = lock
    this.node = node
    return true
  }

  // For `hyperfeed bootstrap`: hold the port or fail with a clear message.
  async hold (): Promise<void> {
    if (!(await this.tryHold())) throw portInUse(`bootstrap address ${this.address}`)
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.trying?.catch(safetyCatch) // its failure was reported by start()
    const node = this.node
    this.node = null
    if (node) await node.destroy()
    this.lock?.close()
    this.lock = null
  }
}

function listenTcp (port: number, host: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(socket => socket.destroy())
    server.unref()
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(null)
      else reject(err)
    })
    server.listen({ port, host, exclusive: true }, () => resolve(server))
  })
}

function udpFree (port: number, host: string): Promise<boolean> {
  return new Promise(resolve => {
    const socket = dgram.createSocket('udp4')
    socket.once('error', () => { socket.close(); resolve(false) })
    socket.bind(port, host, () => { socket.close(() => resolve(true)) })
  })
}
