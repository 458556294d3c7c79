import { command, description, flag, summary } from 'paparam'
import { bool, networkFlags, seconds, storageFlags, str } from '../args.js'
import { define, plural } from '../command.js'
import { storageDir } from '../common.js'
import { DEFAULT_TIMEOUT, closeWithShutdown, goOnline } from './session.js'
import { noMember } from '../../errors.js'
import { toHex } from '../../keys.js'
import { RoomChain } from '../../room/chain.js'
import { Names, formatChainHuman, formatChainJson } from '../../room/format.js'
import { openRoom } from '../../room/open.js'

export default define(command('chain',
  summary('print a room\'s main chain, genesis first'),
  description(`Prints the main chain of the room NAME, genesis first: '#H HASH AUTHOR DATA' per
block, then a summary on stderr (tip, cumulative work, stale and invalid blocks).
The main chain ends at the valid block with the most cumulative work (sum of
2^difficulty), ties broken by the lowest hash. With --once it syncs with
reachable members first (exit 1, after printing, if none is reachable).`),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  flag('--json', 'one {"height","hash","author","value"} line per block'),
  flag('--once', 'sync with reachable members first'),
  flag('--timeout <seconds>', `how long --once waits for a member (default ${DEFAULT_TIMEOUT})`),
  ...storageFlags(),
  ...networkFlags()
), async (p, ctx) => {
  const timeout = (seconds(p, 'timeout') ?? DEFAULT_TIMEOUT) * 1000
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  let found = true
  if (bool(p, 'once')) {
    await goOnline(room, p, ctx)
    found = await room.findPeer(timeout, ctx.shutdown.signal)
    if (found) await room.sync({ timeout })
  }
  const chain = new RoomChain(room)
  const names = new Names(await room.members())
  const json = bool(p, 'json')
  const lines: string[] = []
  for await (const b of chain.blocks()) {
    lines.push(json ? formatChainJson(b) : formatChainHuman(b, names))
    if (lines.length >= 1000) await ctx.stdout.lines(lines.splice(0))
  }
  await ctx.stdout.lines(lines)
  const s = await chain.summary()
  ctx.status.info(s.tip === null
    ? `no blocks yet (minimum difficulty ${s.difficulty}); ${plural(s.counts.invalid, 'invalid block')}`
    : `tip #${s.tip.height} ${s.tip.hash}, cumulative work ${s.tip.work}, ${plural(s.stale, 'stale block')}, ${plural(s.counts.invalid, 'invalid block')}${s.counts.pending > 0 ? `, ${s.counts.pending} waiting for their prev` : ''}`)
  if (!found) throw noMember(toHex(room.key), timeout, 'the chain')
  return 0
})
