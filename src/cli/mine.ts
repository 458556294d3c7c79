import { arg, command, description, flag, summary } from 'paparam'
import { int, storageFlags, str } from './args.js'
import { define } from './command.js'
import { storageDir } from './common.js'
import { STOP_STORAGE, STOP_WORK } from './shutdown.js'
import { DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../chain/block.js'
import { BlockWriter } from '../feed/block-writer.js'
import { parseBlockData } from '../chain/mine.js'
import { openFeed } from '../feed/open.js'
import { usage } from '../errors.js'

export default define(command('mine',
  summary('mine the next block of a feed offline and append it'),
  description(`Mines the next block of the feed NAME (default "default") offline, appends it and
prints it. DATA_JSON is any JSON value (quote text: '"hello"'). The block's hash
must start with D zero bits (default ${DEFAULT_DIFFICULTY}, at most ${MAX_DIFFICULTY}).`),
  arg('[data]', 'the block\'s data as JSON (DATA_JSON)'),
  flag('--name <name>', 'feed name in this storage (default: default)'),
  flag('--difficulty <d>', 'proof of work in leading zero bits of the hash'),
  ...storageFlags()
), async (p, ctx) => {
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_DIFFICULTY
  if (p.args.data === undefined) throw usage('mine needs DATA_JSON, the block\'s data as JSON')
  const data = parseBlockData(p.args.data)
  const { feed } = await openFeed({ storage: storageDir(p, ctx), name: str(p, 'name') ?? 'default' }, { access: 'write' })
  ctx.shutdown.add(STOP_STORAGE, () => feed.close())
  const blocks = new BlockWriter(feed, { difficulty })
  ctx.shutdown.add(STOP_WORK, () => blocks.close())
  const mined = await blocks.mine(data)
  await ctx.stdout.line(JSON.stringify(mined.block))
  ctx.status.info(`mined block #${mined.block.height} (seq ${mined.seq}) in ${(mined.ms / 1000).toFixed(2)} s: ${mined.hashes} hashes, ${Math.round(mined.hashes / (mined.ms / 1000))} hashes/s`)
  return 0
})
