import type { WebSocket } from 'ws'
import { formatJson } from '../entries.js'
import type { Follower } from '../follow.js'
import type { FeedStatus, Gateway } from './gateway.js'

const STATUS_INTERVAL = 250
const INDEX_WAIT = 60_000

interface Client {
  ws: WebSocket
  follower: Follower
}

// The /live WebSocket: each client gets the backlog from its start, then every
// entry as it is appended or replicated, one message per entry, plus an
// {"type":"info",...} message whenever length, peers or sync state change.
export class LiveHub {
  private readonly gateway: Gateway
  private readonly clients = new Set<Client>()
  private last: string | null = null
  private timer: NodeJS.Timeout | null = null
  private readonly onChange = () => this.statusChanged()

  constructor (gateway: Gateway) {
    this.gateway = gateway
    gateway.feed.on('append', this.onChange)
    gateway.feed.on('peers', this.onChange)
    gateway.index.on('progress', this.onChange)
    gateway.network?.on('connection', this.onChange)
    gateway.network?.on('disconnection', this.onChange)
  }

  add (ws: WebSocket, start: number): void {
    const follower = this.gateway.feed.follow({ start, live: true })
    const client: Client = { ws, follower }
    this.clients.add(client)
    ws.on('error', () => {})
    ws.on('close', () => {
      this.clients.delete(client)
      follower.destroy().catch(() => {})
    })
    ws.send(JSON.stringify(this.gateway.status()))
    this.pump(client).catch(() => ws.terminate())
  }

  private async pump ({ ws, follower }: Client): Promise<void> {
    const index = this.gateway.index
    for await (const batch of follower) {
      if (!this.gateway.feed.readable) return // a private feed served without its invite: info only
      const last = batch[batch.length - 1]!
      // blocks are sent with their validity, once the chain index has checked them
      if (batch.some(r => 'value' in r && r.value.type === 'block')) await index.reached(last.seq + 1, INDEX_WAIT)
      let sent: Promise<void> = Promise.resolve()
      for (const r of batch) {
        const text = formatJson(index.annotate(r))
        sent = new Promise((resolve, reject) => ws.send(text, err => err ? reject(err) : resolve()))
      }
      await sent // flow control: the next batch waits for this one to reach the socket
    }
  }

  // Coalesces changes into at most one info message per interval, sent only
  // when something a client shows actually changed.
  statusChanged (): void {
    if (this.timer !== null) return
    this.timer = setTimeout(() => {
      this.timer = null
      const status: FeedStatus = this.gateway.status()
      const { blocks: _blocks, ...shown } = status
      const text = JSON.stringify(shown)
      if (text === this.last) return
      this.last = text
      const message = JSON.stringify(status)
      for (const { ws } of this.clients) ws.send(message, () => {})
    }, STATUS_INTERVAL)
    this.timer.unref()
  }

  async close (): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    const feed = this.gateway.feed
    feed.off('append', this.onChange)
    feed.off('peers', this.onChange)
    for (const { ws, follower } of this.clients) {
      ws.close(1001, 'server shutting down')
      await follower.destroy()
    }
    this.clients.clear()
  }
}
