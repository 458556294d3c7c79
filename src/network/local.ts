import dgram from 'node:dgram'
import net from 'node:net'
import DHT from 'hyperdht'
import ReadyResource from 'ready-resource'
import { portInUse, usage } from '../errors.js'
import safetyCatch from 'safety-catch'

// --local's port: below the ephemeral range and outside hyperdht's default 49737-49741,
// which ordinary DHT nodes bind first.
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
  takeover?: boolean
}

// Runs the bootstrap node if nobody does and (takeover) when its holder exits. A TCP listener
// on the port arbitrates: a failed listen leaves nothing behind, and the kernel frees it when its holder dies.
export class BootstrapNode extends ReadyResource {
  readonly host: string
  readonly port: number
  private readonly takeover: boolean
  private lock: net.Server | null = null
  private node: DHT | null = null
  private timer: NodeJS.Timeout | null = null
  private trying: Promise<boolean> | null = null

  constructor ({ host = LOCAL_HOST, port = LOCAL_PORT, takeover = true }: BootstrapNodeOptions = {}) {
    super()
    this.host = host
    this.port = port
    this.takeover = takeover
  }

  // after ready(): false when another process runs it
  get holding (): boolean {
    return this.node !== null
  }

  get address (): string {
    return `${this.host}:${this.port}`
  }

  protected override async _open (): Promise<void> {
    const held = await this.tryHold()
    if (!held && this.takeover && this.closing === null) {
      this.timer = setInterval(() => { this.poll().catch(err => this.emit('warning', err)) }, POLL_INTERVAL)
      this.timer.unref()
    }
  }

  private async poll (): Promise<void> {
    if (this.holding || this.closing !== null) return
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
    if (lock === null || this.closing !== null) {
      lock?.close()
      return false
    }
    // we hold the lock, so no hyperfeed runs a node here: a busy UDP port is some other program's
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
    if (this.closing !== null) {
      lock.close()
      await node.destroy()
      return false
    }
    this.lock = lock
    this.node = node
    return true
  }

  async hold (): Promise<void> {
    await this.ready()
    if (!this.holding) throw portInUse(`bootstrap address ${this.address}`)
  }

  protected override async _close (): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.trying?.catch(safetyCatch) // a poll's failure was reported as a warning
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
