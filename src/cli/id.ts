import { command, description, summary } from 'paparam'
import { storageFlags } from './args.js'
import { define } from './command.js'
import { storageDir } from './common.js'
import { StorageRoot } from '../storage.js'
import { toHex, toZ32 } from '../keys.js'
import { loadIdentity } from '../mirror/identity.js'

export default define(command('id',
  summary('print this storage\'s network identity (for a mirror\'s --trust)'),
  description(`Prints the public key this storage connects to mirrors with (64 hex characters),
creating it on first use. A mirror run with --trust KEY announces the feeds and
rooms this storage asks it to keep, so readers find them on the DHT while this
machine is offline. The key stays the same for the life of the storage.`),
  ...storageFlags()
), async (p, ctx) => {
  const root = await StorageRoot.open(storageDir(p, ctx))
  const { publicKey } = await loadIdentity(root.dir)
  await ctx.stdout.line(toHex(publicKey))
  ctx.status.info(`identity (z32): ${toZ32(publicKey)}`)
  return 0
})
