import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import ReadyResource from 'ready-resource'
import { portInUse } from '../errors.js'

export const DEFAULT_METRICS_HOST = '127.0.0.1'

// GET /metrics in Prometheus' text format, and nothing else.
export class MetricsServer extends ReadyResource {
  readonly host: string
  private readonly requestedPort: number
  private readonly registry: Registry
  private readonly server: http.Server

  constructor (registry: Registry, { host = DEFAULT_METRICS_HOST, port = 0 }: { host?: string, port?: number } = {}) {
    super()
    this.registry = registry
    this.host = host
    this.requestedPort = port
    this.server = http.createServer((req, res) => { this.handle(req, res).catch(() => res.destroy()) })
    this.server.on('clientError', (_err, socket) => socket.destroy())
  }

  private async handle (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: this server only answers GET /metrics\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const text = await this.registry.metrics()
    res.writeHead(200, { 'content-type': this.registry.contentType }).end(req.method === 'HEAD' ? undefined : text)
  }

  get port (): number {
    return (this.server.address() as AddressInfo | null)?.port ?? this.requestedPort
  }

  get url (): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host
    return `http://${host}:${this.port}/metrics`
  }

  protected override _open (): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? portInUse(`metrics port ${this.requestedPort} on ${this.host}`) : err)
      })
      this.server.listen(this.requestedPort, this.host, () => resolve())
    })
  }

  protected override _close (): Promise<void> {
    this.server.closeAllConnections()
    return new Promise(resolve => this.server.close(() => resolve()))
  }
}
