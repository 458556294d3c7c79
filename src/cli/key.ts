import { command, description, flag, summary } from 'paparam'
import { storageFlags, str } from './args.js'
import { define } from './command.js'
import { storageDir } from './common.js'
import { STOP_STORAGE } from './shutdown.js'
import { openFeed } from '../feed/open.js'
import { StorageRoot, checkFeedName } from '../storage.js'
import { toHex } from '../keys.js'

export default define(command('key',
  summary('print the key of a named feed'),
  description(`Prints the key (64 hex characters) of the feed NAME (default "default"),
creating the feed if this storage does not have it yet.`),
  flag('--name <name>', 'feed name in this storage (default: default)'),
  ...storageFlags()
), async (p, ctx) => {
  const name = checkFeedName(str(p, 'name') ?? 'default')
  const dir = storageDir(p, ctx)
  // known already: answer without opening (and locking) the feed's storage
  const known = await (await StorageRoot.open(dir)).writerKey(name)
  if (known !== null) {
    await ctx.stdout.line(toHex(known))
    return 0
  }
  const { feed } = await openFeed({ storage: dir, name }, { access: 'write' })
  ctx.shutdown.add(STOP_STORAGE, () => feed.close())
  await ctx.stdout.line(toHex(feed.key))
  return 0
})
