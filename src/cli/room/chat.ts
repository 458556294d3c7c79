import { command, description, summary } from 'paparam'
import { str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { chat, chatFlags, chatOptions, closeWithShutdown, goOnline } from './session.js'
import { toHex } from '../../keys.js'
import { openRoom } from '../../room/open.js'

export default define(command('chat',
  summary('open a room this storage is a member of: history, live entries, stdin lines are posts'),
  description(`Opens the room NAME: prints its history, then live entries from every member;
each line of stdin is posted (a chat entry from NICK, or with --json an entry
object). Commands: /invite prints a fresh invite on stderr, /invites lists the
open invites, /uninvite ID revokes one, /members lists the
members, /remove KEY removes a member (admins only),
/promote KEY[,KEY...] [admin|indexer] and /demote change roles (admins only),
/mirror KEY adds a mirror every member asks to keep the room (creator only),
/block DATA_JSON mines the next block on the room's tip (on a worker thread),
/edit N text, /delete N, /react N 👍 and /reply N text refer to message N (the
number shown beside it), //text sends /text.
Blocks show as '#H HASH DATA' on the main chain, '#H HASH STALE' off it,
'#H HASH INVALID (reason)' when invalid.
After stdin ends it stays online, serving the room, until Ctrl-C or SIGTERM.`),
  ...chatFlags()
), async (p, ctx) => {
  const opts = chatOptions(p)
  const name = str(p, 'name') ?? 'default'
  const room = await openRoom(storageDir(p, ctx), name)
  closeWithShutdown(room, ctx)
  if (!opts.once) ctx.status.info(`hyperfeed: room "${name}" ${toHex(room.key)} (${room.length} entries)`)
  const network = await goOnline(room, p, ctx)
  return chat(room, network, opts, ctx)
})
