import { type Context } from '../command.js'
import { STOP_NETWORK, STOP_STORAGE } from '../shutdown.js'
import { type ChatOptions } from './session.js'
import { HyperfeedError } from '../../errors.js'
import { toHex } from '../../keys.js'
import type { Network } from '../../network/swarm.js'
import type { RoomRelay } from '../../room/relay.js'

const SETTLE = 1500

export const encryptedRoom = (key: Buffer) =>
  new HyperfeedError('ENCRYPTED', `room ${toHex(key)} is encrypted: this copy keeps and shares its entries for the members but cannot read them or post without an invite (hyperfeed-room:...)`, { status: 403 })

// `room join ROOMKEY`: keep and forward the room's encrypted cores.
export async function relay (relay: RoomRelay, network: Network, opts: ChatOptions, { status, shutdown }: Context): Promise<number> {
  shutdown.add(STOP_STORAGE, () => relay.close())
  shutdown.add(STOP_NETWORK, () => network.close())
  await network.join(relay)
  if (!opts.once) {
    status.info(`hyperfeed: ${encryptedRoom(relay.key).message}; relaying until Ctrl-C`)
    await shutdown.stopped()
    return 0
  }
  const found = await new Promise<boolean>(resolve => {
    if (network.connections > 0) return resolve(true)
    const timer = setTimeout(() => resolve(false), opts.timeout)
    network.once('connection', () => { clearTimeout(timer); resolve(true) })
  })
  if (found) {
    // until nothing new has arrived for a moment
    let last = -1
    for (let held = await relay.held(); held.blocks !== last || held.blocks < held.length; held = await relay.held()) {
      last = held.blocks
      await new Promise(resolve => setTimeout(resolve, SETTLE))
      if (shutdown.signal.aborted) break
    }
  }
  const held = await relay.held()
  status.info(`hyperfeed: holding ${held.cores} cores of the room: ${held.blocks} blocks, ${held.bytes} bytes`)
  if (!found) throw new HyperfeedError('NO_MEMBER', `no member of room ${toHex(relay.key)} was reachable within ${opts.timeout / 1000}s`)
  throw encryptedRoom(relay.key)
}
