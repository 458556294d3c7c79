import { STORAGE_OPTIONS, int, parse, str } from './args.js'
import { helpRequested, storageDir } from './common.js'
import type { Context } from './main.js'
import { DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../blocks.js'
import { Feed } from '../feed.js'
import { Miner, mineNext, parseBlockData } from '../mine.js'
import { usage } from '../errors.js'
import { checkFeedName } from '../storage.js'

const HELP = `usage: hyperfeed mine [--name NAME] [--difficulty D] DATA_JSON

Mines the next block of the feed NAME (default "default") offline, appends it and
prints it. DATA_JSON is any JSON value (quote text: '"hello"'). The block's hash
must start with D zero bits (default ${DEFAULT_DIFFICULTY}, at most ${MAX_DIFFICULTY}).

  --name NAME        feed name in this storage (default: default)
  --difficulty D     proof of work in leading zero bits of the hash
  --storage DIR      storage directory (env HYPERFEED_STORAGE)`

export default async function mine (argv: string[], ctx: Context): Promise<number> {
  const p = parse('mine', argv, { ...STORAGE_OPTIONS, name: { type: 'string' }, difficulty: { type: 'string' } }, { maxPositionals: 1 })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const name = checkFeedName(str(p, 'name') ?? 'default')
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_DIFFICULTY
  if (p.positionals[0] === undefined) throw usage('mine needs DATA_JSON, the block\'s data as JSON')
  const data = parseBlockData(p.positionals[0])
  const feed = await Feed.openWriterIn({ storage: storageDir(p, ctx) }, name)
  const miner = new Miner()
  try {
    const mined = await mineNext(feed, data, { difficulty, miner })
    await ctx.stdout.line(JSON.stringify(mined.block))
    ctx.status.info(`mined block #${mined.block.height} (seq ${mined.seq}) in ${(mined.ms / 1000).toFixed(2)} s: ${mined.hashes} hashes, ${Math.round(mined.hashes / (mined.ms / 1000))} hashes/s`)
    return 0
  } finally {
    await miner.close()
    await feed.close()
  }
}
