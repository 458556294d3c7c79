import { arg, command, description, flag, sloppy, summary } from 'paparam'
import { bool, storageFlags, str } from './args.js'
import { define } from './command.js'
import { defaultNick, storageDir } from './common.js'
import { STOP_STORAGE } from './shutdown.js'
import { chat, parseEntryJson } from '../entries.js'
import { openFeed } from '../feed/open.js'
import { usage } from '../errors.js'

export default define(command('append',
  summary('append one entry offline and exit'),
  description(`Appends one entry to the feed NAME without touching the network, prints its seq,
and exits. Peers get it the next time the feed is online (hyperfeed write).`),
  flag('--name <name>', 'feed name in this storage (default: default)'),
  flag('--nick <nick>', 'chat nick (default: your user name)'),
  flag('--json', 'TEXT is a JSON entry object with a string "type"'),
  ...storageFlags(),
  arg('[text...]', 'the entry\'s text (words are joined with spaces)'),
  // the words of TEXT may come before, between or after the flags
  sloppy({ args: true })
), async (p, ctx) => {
  if (p.positionals.length === 0) throw usage('append needs the TEXT of the entry')
  const text = p.positionals.join(' ')
  const entry = bool(p, 'json') ? parseEntryJson(text) : chat(str(p, 'nick') ?? defaultNick(), text)
  const { feed } = await openFeed({ storage: storageDir(p, ctx), name: str(p, 'name') ?? 'default' }, { access: 'write' })
  ctx.shutdown.add(STOP_STORAGE, () => feed.close())
  const { seq } = await feed.append(entry)
  await ctx.stdout.line(String(seq))
  return 0
})
