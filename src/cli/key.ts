import { STORAGE_OPTIONS, parse, str } from './args.js'
import { helpRequested, storageDir } from './common.js'
import type { Context } from './main.js'
import { Feed } from '../feed.js'
import { toHex } from '../keys.js'
import { StorageRoot, checkFeedName } from '../storage.js'

const HELP = `usage: hyperfeed key [--name NAME] [--storage DIR]

Prints the key (64 hex characters) of the feed NAME (default "default"),
creating the feed if this storage does not have it yet.`

export default async function key (argv: string[], ctx: Context): Promise<number> {
  const p = parse('key', argv, { ...STORAGE_OPTIONS, name: { type: 'string' } })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const name = checkFeedName(str(p, 'name') ?? 'default')
  const dir = storageDir(p, ctx)
  // known already: answer without opening (and locking) the feed's storage
  const known = await (await StorageRoot.open(dir)).writerKey(name)
  if (known !== null) {
    await ctx.stdout.line(toHex(known))
    return 0
  }
  const feed = await Feed.openWriterIn({ storage: dir }, name)
  try {
    await ctx.stdout.line(toHex(feed.key))
    return 0
  } finally {
    await feed.close()
  }
}
