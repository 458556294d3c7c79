import type { EventEmitter } from 'node:events'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import type { WebSocket } from 'ws'
import { type EntryFilter, NO_FILTER, filterFromUrl } from '../filter.js'
import { intParam } from './http.js'
import { SYNCED } from './filtered.js'

const STATUS_INTERVAL = 250

export interface LiveSource {
  messages (start: number, filter: EntryFilter): LiveStream
  // the status message, and the part of it that decides whether to re-send it
  status (): { message: string, shown: string }
  changes: [EventEmitter, string][]
}

export interface LiveStream extends AsyncIterable<string[]> {
  destroy (): Promise<void>
  // messages that are no entry (a room's 'dropped' marks), sent as they come
  notices?: (send: (message: string) => void) => void
}

interface Client {
  ws: WebSocket
  stream: LiveStream
}

// Each /live client gets the status, the backlog from its start (the entries
// that pass its filter), {"type":"synced"}, then every new entry that passes
// as it arrives, and a fresh status whenever what it shows changes.
export class LiveHub extends ReadyResource {
  private readonly source: LiveSource
  private readonly clients = new Set<Client>()
  private last: string | null = null
  private timer: NodeJS.Timeout | null = null
  private readonly onChange = () => this.statusChanged()
  sent = 0

  constructor (source: LiveSource) {
    super()
    this.source = source
  }

  protected override async _open (): Promise<void> {
    for (const [emitter, event] of this.source.changes) emitter.on(event, this.onChange)
  }

  get size (): number {
    return this.clients.size
  }

  // a /live request: ?start= and the entry filters; a bad filter closes it (1008)
  accept (ws: WebSocket, url: URL): void {
    let filter: EntryFilter
    try {
      filter = filterFromUrl(url.searchParams)
    } catch (err) {
      ws.close(1008, (err as Error).message.slice(0, 120))
      return
    }
    this.add(ws, intParam(url, 'start', 0), filter)
  }

  add (ws: WebSocket, start: number, filter: EntryFilter = NO_FILTER): void {
    if (this.closing !== null) {
      ws.terminate()
      return
    }
    const stream = this.source.messages(start, filter)
    const client: Client = { ws, stream }
    this.clients.add(client)
    ws.on('error', noop) // a client that goes away is not our error: 'close' follows
    ws.on('close', () => {
      this.clients.delete(client)
      stream.destroy().catch(safetyCatch)
    })
    ws.send(this.source.status().message)
    stream.notices?.(message => { if (ws.readyState === ws.OPEN) ws.send(message, noop) })
    this.pump(client).catch(() => ws.terminate())
  }

  private async pump ({ ws, stream }: Client): Promise<void> {
    for await (const batch of stream) {
      if (ws.readyState !== ws.OPEN) return
      if (batch.length === 0) continue
      // flow control: the next batch waits for this one's last send
      let failed: Error | null = null
      for (let i = 0; i < batch.length - 1; i++) ws.send(batch[i]!, err => { if (err) failed ??= err })
      await new Promise<void>((resolve, reject) => ws.send(batch.at(-1)!, err => err ? reject(err) : resolve()))
      if (failed !== null) throw failed
      this.sent += batch.at(-1) === SYNCED ? batch.length - 1 : batch.length
    }
  }

  // At most one status message per interval, and only when what a client shows changed.
  statusChanged (): void {
    if (this.timer !== null || this.closing !== null) return
    this.timer = setTimeout(() => {
      this.timer = null
      const { message, shown } = this.source.status()
      if (shown === this.last) return
      this.last = shown
      for (const { ws } of this.clients) ws.send(message, noop)
    }, STATUS_INTERVAL)
    this.timer.unref()
  }

  protected override async _close (): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    for (const [emitter, event] of this.source.changes) emitter.off(event, this.onChange)
    for (const { ws, stream } of this.clients) {
      ws.close(1001, 'server shutting down')
      await stream.destroy()
    }
    this.clients.clear()
  }
}

function noop () {}
