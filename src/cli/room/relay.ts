import { type Context } from '../command.js'
import { openNetwork } from '../common.js'
import { STOP_STORAGE } from '../shutdown.js'
import { type ChatOptions } from './session.js'
import { encryptedRoom, noMember } from '../../errors.js'
import { toHex } from '../../keys.js'
import { firstOf } from '../../wait.js'
import type { NetworkOptions } from '../../network/options.js'
import type { RoomRelay } from '../../room/relay.js'

export async function relay (relay: RoomRelay, netOpts: NetworkOptions, opts: ChatOptions, ctx: Context): Promise<number> {
  const { status, shutdown } = ctx
  shutdown.add(STOP_STORAGE, () => relay.close())
  const network = openNetwork(relay.store, netOpts, ctx)
  await network.join(relay)
  if (!opts.once) {
    status.info(`hyperfeed: ${encryptedRoom(toHex(relay.key)).message}; relaying until Ctrl-C`)
    await shutdown.stopped()
    return 0
  }
  const found = network.connections > 0 || await firstOf([{ emitter: network, event: 'connection' }], { timeout: opts.timeout, signal: shutdown.signal })
  const held = found ? await relay.settle({ timeout: opts.timeout, signal: shutdown.signal }) : { ...await relay.held(), complete: true }
  status.info(`hyperfeed: holding ${held.cores} cores of the room: ${held.blocks} blocks, ${held.bytes} bytes${found && !held.complete ? ` (${held.length - held.blocks} more blocks named by members did not arrive within ${opts.timeout / 1000}s)` : ''}`)
  if (!found) throw noMember(toHex(relay.key), opts.timeout, '')
  throw encryptedRoom(toHex(relay.key))
}
