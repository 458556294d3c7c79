import type { Duplex } from 'node:stream'
import c from 'compact-encoding'
import Hypercore from 'hypercore'

const PROTOCOL = 'hyperfeed/room-cores'
// a peer may name at most this many cores of one room
export const MAX_ROOM_CORES = 1024
const keyList = c.array(c.fixed32)

export interface CoresChannel {
  send (keys: Buffer[]): void
  close (): void
}

// A small protocol beside the room's replication: each side tells the other
// the keys of the room's cores it holds (members' writer cores and the view
// cores). A copy that cannot read the room (no encryption key) learns from
// it what to keep and forward; members need nothing from it.
export function openCoresChannel (stream: Duplex, discoveryKey: Buffer, { list, onKeys }: { list: () => Buffer[], onKeys?: (keys: Buffer[]) => void }): CoresChannel | null {
  const mux = Hypercore.getProtocolMuxer(stream)
  const channel = mux.createChannel({
    protocol: PROTOCOL,
    id: discoveryKey,
    onopen: () => { message.send(list().slice(0, MAX_ROOM_CORES)) }
  })
  if (channel === null) return null
  const message = channel.addMessage<Buffer[]>({
    encoding: keyList,
    onmessage: (keys) => { onKeys?.(keys.slice(0, MAX_ROOM_CORES)) }
  })
  channel.open()
  return {
    send: (keys) => { if (channel.opened && !channel.closed) message.send(keys.slice(0, MAX_ROOM_CORES)) },
    close: () => channel.close()
  }
}
