import { STORAGE_OPTIONS, bool, parse, str } from './args.js'
import { defaultNick, helpRequested, storageDir } from './common.js'
import type { Context } from './main.js'
import { chat, parseEntryJson } from '../entries.js'
import { Feed } from '../feed.js'
import { usage } from '../errors.js'
import { checkFeedName } from '../storage.js'

const HELP = `usage: hyperfeed append [--name NAME] [--nick NICK] [--json] TEXT...

Appends one entry to the feed NAME without touching the network, prints its seq,
and exits. Peers get it the next time the feed is online (hyperfeed write).

  --name NAME      feed name in this storage (default: default)
  --nick NICK      chat nick (default: your user name)
  --json           TEXT is a JSON entry object with a string "type"
  --storage DIR    storage directory (env HYPERFEED_STORAGE)`

export default async function append (argv: string[], ctx: Context): Promise<number> {
  const p = parse('append', argv, { ...STORAGE_OPTIONS, name: { type: 'string' }, nick: { type: 'string' }, json: { type: 'boolean' } }, { maxPositionals: Infinity })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const name = checkFeedName(str(p, 'name') ?? 'default')
  if (p.positionals.length === 0) throw usage('append needs the TEXT of the entry')
  const text = p.positionals.join(' ')
  const entry = bool(p, 'json') ? parseEntryJson(text) : chat(str(p, 'nick') ?? defaultNick(), text)
  const feed = await Feed.openWriterIn({ storage: storageDir(p, ctx) }, name)
  try {
    const { seq } = await feed.append(entry)
    await ctx.stdout.line(String(seq))
    return 0
  } finally {
    await feed.close()
  }
}
