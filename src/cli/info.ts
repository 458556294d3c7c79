import { arg, command, description, flag, summary } from 'paparam'
import { bool, storageFlags, str } from './args.js'
import { define } from './command.js'
import { storageDir } from './common.js'
import { openFeed } from '../feed/open.js'
import { diskUsage } from '../storage.js'
import { readFeedMirrors } from '../mirror/feed-mirrors.js'
import { toHex } from '../keys.js'

export default define(command('info',
  summary('show what this storage holds of a feed'),
  description(`Shows what this storage holds of a feed: its key (hex and z32), discovery key,
length, how much of it is stored here, its size, whether this storage can
write it, and the mirrors it knows for it. Works while a writer or viewer of the feed is running.`),
  arg('[key]', 'the feed key, or a private feed\'s invite'),
  flag('--name <name>', 'a feed this storage writes'),
  flag('--json', 'one JSON object'),
  ...storageFlags()
), async (p, ctx) => {
  const { feed, name } = await openFeed({ storage: storageDir(p, ctx), key: p.args.key, name: str(p, 'name') }, { access: 'read', command: 'info' })
  let report
  try {
    const i = feed.info()
    report = {
      key: i.key,
      z32: i.z32,
      discoveryKey: i.discoveryKey,
      length: i.length,
      blocks: i.blocks,
      stored: await feed.stored(),
      contiguousLength: i.contiguousLength,
      byteLength: i.byteLength,
      diskBytes: await diskUsage(feed.store.dir),
      writable: name !== null,
      encrypted: feed.encrypted,
      readable: feed.readable,
      name,
      mirrors: (await readFeedMirrors(feed.store.dir)).map(toHex),
      storage: feed.store.dir
    }
  } finally {
    await feed.close()
  }
  if (bool(p, 'json')) {
    await ctx.stdout.line(JSON.stringify(report))
    return 0
  }
  const privacy = report.encrypted === null ? 'unknown (no peer seen yet)' : !report.encrypted ? 'no' : report.readable ? 'yes, and this storage has its key' : 'yes, and this storage cannot read it (no invite)'
  await ctx.stdout.lines([
    `key:            ${report.key}`,
    `key (z32):      ${report.z32}`,
    `discovery key:  ${report.discoveryKey}`,
    `length:         ${report.length} entries${report.blocks === report.length ? '' : ` in ${report.blocks} blocks`}`,
    `stored here:    ${report.stored} of ${report.blocks} ${report.blocks === report.length ? 'entries' : 'blocks'} (first ${report.contiguousLength} contiguous)`,
    `bytes:          ${report.byteLength} bytes of entries, ${report.diskBytes} bytes on disk`,
    `writable:       ${name !== null ? `yes, this storage is its writer (--name ${name})` : 'no, this storage follows it'}`,
    `encrypted:      ${privacy}`,
    `mirrors:        ${report.mirrors.length === 0 ? 'none' : report.mirrors.join(', ')}`,
    `storage:        ${report.storage}`
  ])
  return 0
})
