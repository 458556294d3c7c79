import { arg, command, description, flag, summary } from 'paparam'
import { int, networkFlags, seconds, storageFlags, str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { STOP_WORK } from '../shutdown.js'
import { DEFAULT_TIMEOUT, closeWithShutdown, goOnline } from './session.js'
import { MAX_DIFFICULTY } from '../../chain/block.js'
import { checkBlockData } from '../../chain/block-limits.js'
import { parseBlockData } from '../../chain/mine.js'
import { notDelivered, usage } from '../../errors.js'
import { RoomMiner } from '../../room/miner.js'
import { openRoom } from '../../room/open.js'

export default define(command('mine',
  summary('mine one block on a room\'s tip and post it'),
  description(`Mines one block on the room's tip and posts it. It syncs with reachable members
first, so it mines on the tip the room agrees on; if the tip moves while it mines,
it starts over on the new one. Then it waits until the block has reached another
member (or --timeout), prints the block on stdout and exits. DATA_JSON is any
JSON value (quote text: '"hello"'); the difficulty is the room's unless higher.`),
  arg('[data]', 'the block\'s data as JSON (DATA_JSON)'),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  flag('--difficulty <d>', 'proof of work (at least the room\'s minimum)'),
  flag('--timeout <seconds>', `how long to wait for a member, before and after (default ${DEFAULT_TIMEOUT})`),
  ...storageFlags(),
  ...networkFlags()
), async (p, ctx) => {
  if (p.args.data === undefined) throw usage('room mine needs DATA_JSON, the block\'s data as JSON')
  const data = parseBlockData(p.args.data)
  checkBlockData(data)
  const requested = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY })
  const timeout = (seconds(p, 'timeout') ?? DEFAULT_TIMEOUT) * 1000
  const { status, stdout, shutdown } = ctx
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  const miner = new RoomMiner(room)
  shutdown.add(STOP_WORK, () => miner.close())
  const difficulty = await miner.difficulty(requested)
  await goOnline(room, p, ctx)
  const found = await room.findPeer(timeout, shutdown.signal)
  if (found) await room.sync({ timeout })
  else status.info(`hyperfeed: no member reachable within ${timeout / 1000}s: mining on the tip this storage has`)
  const mined = await miner.mine(data, {
    difficulty,
    onTemplate: (height, d) => status.info(`mining block #${height} at difficulty ${d}...`),
    onRestart: (tip) => status.info(`the tip moved to #${tip.height} ${tip.hash.slice(0, 12)} (another member's block): mining again on it`)
  })
  status.info(`mined block #${mined.block.height} ${mined.block.hash.slice(0, 12)} in ${(mined.ms / 1000).toFixed(2)} s (${mined.hashes} hashes${mined.restarts > 0 ? `, ${mined.restarts} restarts` : ''})`)
  await stdout.line(JSON.stringify(mined.block))
  if (!(await room.delivered(mined.authorSeq, timeout, shutdown.signal))) {
    throw notDelivered(timeout)
  }
  return 0
})
