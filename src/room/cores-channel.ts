import type { Duplex } from 'node:stream'
import c, { type State } from 'compact-encoding'
import Hypercore from 'hypercore'

const PROTOCOL = 'hyperfeed/room-cores'
// a peer may name at most this many cores of one room
export const MAX_ROOM_CORES = 1024

export interface CoreList {
  writers: { key: Buffer, length: number }[]
  views: Buffer[]
}

const coreList = {
  preencode (state: State, m: CoreList) {
    c.uint.preencode(state, m.writers.length)
    for (const w of m.writers) { c.fixed32.preencode(state, w.key); c.uint.preencode(state, w.length) }
    c.array(c.fixed32).preencode(state, m.views)
  },
  encode (state: State, m: CoreList) {
    c.uint.encode(state, m.writers.length)
    for (const w of m.writers) { c.fixed32.encode(state, w.key); c.uint.encode(state, w.length) }
    c.array(c.fixed32).encode(state, m.views)
  },
  decode (state: State): CoreList {
    const n = c.uint.decode(state) as number
    if (n > MAX_ROOM_CORES) throw new Error('too many cores')
    const writers = []
    for (let i = 0; i < n; i++) writers.push({ key: c.fixed32.decode(state) as Buffer, length: c.uint.decode(state) as number })
    const views = c.array(c.fixed32).decode(state) as Buffer[]
    return { writers, views: views.slice(0, MAX_ROOM_CORES) }
  }
}

export interface CoresChannel {
  send (list: CoreList): void
  request (): void
  close (): void
}

// Beside replication, each side names the room's cores it holds: how far to
// sync, and, for a copy without the encryption key, what to keep and forward.
export function openCoresChannel (stream: Duplex, discoveryKey: Buffer, { list, onList }: { list: () => CoreList, onList?: (list: CoreList) => void }): CoresChannel | null {
  const mux = Hypercore.getProtocolMuxer(stream)
  const channel = mux.createChannel({
    protocol: PROTOCOL,
    id: discoveryKey,
    onopen: () => { lists.send(bounded(list())) }
  })
  if (channel === null) return null
  const lists = channel.addMessage<CoreList>({
    encoding: coreList,
    onmessage: (m) => { onList?.(bounded(m)) }
  })
  const requests = channel.addMessage<null>({
    encoding: c.none,
    onmessage: () => { lists.send(bounded(list())) }
  })
  channel.open()
  const open = () => channel.opened && !channel.closed
  return {
    send: (m) => { if (open()) lists.send(bounded(m)) },
    request: () => { if (open()) requests.send(null) },
    close: () => channel.close()
  }
}

function bounded (m: CoreList): CoreList {
  return { writers: m.writers.slice(0, MAX_ROOM_CORES), views: m.views.slice(0, MAX_ROOM_CORES) }
}
