import { arg, command, description, flag, sloppy, summary } from 'paparam'
import { bool, int, list, storageFlags, str } from './args.js'
import { define } from './command.js'
import { storageDir } from './common.js'
import { STOP_STORAGE, STOP_WORK } from './shutdown.js'
import { formatHuman, formatJson } from '../entries.js'
import { openFeed } from '../feed/open.js'
import { parseFilter } from '../filter.js'
import { toHex } from '../keys.js'
import { openRoom } from '../room/open.js'
import { Names, formatRoomHuman, formatRoomJson } from '../room/format.js'
import { LocalSearch, searchDir } from '../search/local.js'
import { DEFAULT_LIMIT, MAX_LIMIT } from '../search/query.js'
import { feedSource, roomSource } from '../search/updater.js'
import { usage } from '../errors.js'

export default define(command('search',
  summary('find entries of a feed or room by their words, newest first'),
  description(`Searches what this storage holds of the feed KEY, its own feed --name NAME or
the room --room NAME for entries holding every word of QUERY (case and accents
aside; a word also finds the words it begins, from two letters on). Newest
first, each with its entry number (for /reply N and friends). The index lives
on disk beside the storage, is brought up to date before answering, and is
rebuilt if it is missing.`),
  arg('[key]', 'the feed key, or a private feed\'s invite (not with --name or --room)'),
  arg('[query...]', 'the words to find'),
  sloppy({ args: true }),
  flag('--name <name>', 'a feed this storage writes'),
  flag('--room <name>', 'a room this storage is a member of'),
  flag('--author <key>', 'only entries by this author (repeatable: any of them)').multiple(),
  flag('--since <time>', 'only entries from TIME on (2024-05-01, 2h, 7d, ...)'),
  flag('--until <time>', 'only entries before TIME'),
  flag('--limit <n>', `at most N entries (default ${DEFAULT_LIMIT}, up to ${MAX_LIMIT})`),
  flag('--json', 'one line per entry, as view --json or room chat --json prints it'),
  ...storageFlags()
), async (p, ctx) => {
  const roomName = str(p, 'room')
  const name = str(p, 'name')
  // with --name or --room, the first word is not a KEY
  const byKey = roomName === undefined && name === undefined
  const key = byKey ? p.positionals[0] : undefined
  const query = p.positionals.slice(byKey ? 1 : 0).join(' ')
  if (query.trim().length === 0) throw usage('search needs a QUERY (the words to find)')
  if (roomName !== undefined && name !== undefined) throw usage('search takes one of KEY, --name NAME or --room NAME')
  const filter = parseFilter({ author: list(p, 'author'), since: str(p, 'since') ?? null, until: str(p, 'until') ?? null })
  const limit = int(p, 'limit', { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT
  const json = bool(p, 'json')
  const storage = storageDir(p, ctx)
  const opts = { since: filter.since, until: filter.until, limit }

  if (roomName !== undefined) {
    const room = await openRoom(storage, roomName)
    ctx.shutdown.add(STOP_STORAGE, () => room.close())
    const creator = (await room.config())?.creator ?? null
    const search = new LocalSearch(searchDir(storage, room.key), room.key, roomSource(room), { room: true, isAdmin: (a) => a === creator })
    ctx.shutdown.add(STOP_WORK, () => search.close())
    const hits = await search.search(query, { ...opts, authors: filter.authors })
    const names = new Names(await room.members())
    const lines: string[] = []
    for (const hit of hits) {
      const r = (await room.read(hit.seq, hit.seq + 1))[0]
      if (r !== undefined) lines.push(json ? formatRoomJson(r) : `(${hit.seq}) ${formatRoomHuman(r, names)}`)
    }
    await ctx.stdout.lines(lines)
    return 0
  }
  const { feed } = await openFeed({ storage, key, name }, { access: 'read', command: 'search' })
  ctx.shutdown.add(STOP_STORAGE, () => feed.close())
  // a feed's entries are all its writer's
  if (filter.authors !== null && !filter.authors.includes(toHex(feed.key))) return 0
  const search = new LocalSearch(searchDir(storage, feed.key), feed.key, feedSource(feed))
  ctx.shutdown.add(STOP_WORK, () => search.close())
  const hits = await search.search(query, opts)
  const lines: string[] = []
  for (const hit of hits) {
    const r = await feed.get(hit.seq, { wait: false })
    if (r !== null) lines.push(json ? formatJson(r) : `(${hit.seq}) ${formatHuman(r)}`)
  }
  await ctx.stdout.lines(lines)
  return 0
})
