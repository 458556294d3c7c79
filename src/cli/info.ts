import { STORAGE_OPTIONS, bool, parse, str } from './args.js'
import { helpRequested, storageDir } from './common.js'
import type { Context } from './main.js'
import { Feed } from '../feed.js'
import { parseFeedRef, toHex } from '../keys.js'
import { feedNotFound, usage } from '../errors.js'
import { StorageRoot, checkFeedName, diskUsage } from '../storage.js'

const HELP = `usage: hyperfeed info (KEY | --name NAME) [--json] [--storage DIR]

Shows what this storage holds of a feed: its key (hex and z32), discovery key,
length, how much of it is stored here, its size, and whether this storage can
write it. Works while a writer or viewer of the feed is running.`

export default async function info (argv: string[], ctx: Context): Promise<number> {
  const p = parse('info', argv, { ...STORAGE_OPTIONS, name: { type: 'string' }, json: { type: 'boolean' } }, { maxPositionals: 1 })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const keyArg = p.positionals[0]
  const nameArg = str(p, 'name')
  if ((keyArg === undefined) === (nameArg === undefined)) throw usage('info needs either a feed KEY or --name NAME')
  const root = await StorageRoot.open(storageDir(p, ctx), { create: false })

  let key: Buffer
  let dir: string
  let writerName: string | null
  if (nameArg !== undefined) {
    const name = checkFeedName(nameArg)
    const known = await root.writerKey(name)
    if (known === null) throw feedNotFound(`no feed named ${JSON.stringify(name)} in ${root.dir} (create it with: hyperfeed write --name ${name})`)
    key = known
    dir = root.writerDir(name)
    writerName = name
  } else {
    key = parseFeedRef(keyArg!).key
    const found = await root.locate(key)
    if (found === null) throw feedNotFound(`feed ${toHex(key)} is not in ${root.dir} (follow it first: hyperfeed view ${toHex(key)})`)
    dir = found.dir
    writerName = found.writerName
  }

  const feed = await Feed.openAt(dir, key, { readOnly: true })
  const i = feed.info()
  await feed.close()
  const privacy = feed.encrypted === null ? 'unknown (no peer seen yet)' : !feed.encrypted ? 'no' : feed.readable ? 'yes, and this storage has its key' : 'yes, and this storage cannot read it (no invite)'
  const report = {
    key: i.key,
    z32: i.z32,
    discoveryKey: i.discoveryKey,
    length: i.length,
    stored: i.stored,
    contiguousLength: i.contiguousLength,
    byteLength: i.byteLength,
    diskBytes: await diskUsage(dir),
    writable: writerName !== null,
    encrypted: feed.encrypted,
    readable: feed.readable,
    name: writerName,
    storage: dir
  }
  if (bool(p, 'json')) {
    await ctx.stdout.line(JSON.stringify(report))
    return 0
  }
  await ctx.stdout.lines([
    `key:            ${report.key}`,
    `key (z32):      ${report.z32}`,
    `discovery key:  ${report.discoveryKey}`,
    `length:         ${report.length} entries`,
    `stored here:    ${report.stored} of ${report.length} entries (first ${report.contiguousLength} contiguous)`,
    `bytes:          ${report.byteLength} bytes of entries, ${report.diskBytes} bytes on disk`,
    `writable:       ${writerName !== null ? `yes, this storage is its writer (--name ${writerName})` : 'no, this storage follows it'}`,
    `encrypted:      ${privacy}`,
    `storage:        ${report.storage}`
  ])
  return 0
}
