import { type Context } from '../command.js'
import { STOP_NETWORK, STOP_STORAGE } from '../shutdown.js'
import { type ChatOptions } from './session.js'
import { HyperfeedError } from '../../errors.js'
import { toHex } from '../../keys.js'
import type { Network } from '../../network/swarm.js'
import type { RoomRelay } from '../../room/relay.js'

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
  const held = found ? await relay.settle({ timeout: opts.timeout, signal: shutdown.signal }) : { ...await relay.held(), complete: true }
  status.info(`hyperfeed: holding ${held.cores} cores of the room: ${held.blocks} blocks, ${held.bytes} bytes${found && !held.complete ? ` (${held.length - held.blocks} more blocks named by members did not arrive within ${opts.timeout / 1000}s)` : ''}`)
  if (!found) throw new HyperfeedError('NO_MEMBER', `no member of room ${toHex(relay.key)} was reachable within ${opts.timeout / 1000}s`)
  throw encryptedRoom(relay.key)
}
