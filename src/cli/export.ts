import { arg, command, description, flag, summary } from 'paparam'
import { bool, storageFlags, str } from './args.js'
import { define } from './command.js'
import { storageDir } from './common.js'
import { STOP_STORAGE } from './shutdown.js'
import { type ExportSource, exportLines, feedExport, roomExport } from '../export/export.js'
import { openFeed } from '../feed/open.js'
import { openRoom } from '../room/open.js'
import { usage } from '../errors.js'

export default define(command('export',
  summary('write a feed\'s or a room\'s entries as JSON lines on stdout'),
  description(`Writes every entry this storage holds of the feed KEY, this storage's feed
--name NAME, or the room --room NAME, in order, one JSON line each:
{"seq":N,"value":ENTRY} for a feed, {"seq":N,"author":HEX,"authorSeq":M,"value":ENTRY}
for a room. 'hyperfeed import' reads it back. With --resolved, each message
(chat entry) once, as it is now: latest text, edited, deleted, reactions, reply.`),
  arg('[key]', 'the feed key, or a private feed\'s invite'),
  flag('--name <name>', 'a feed this storage writes'),
  flag('--room <name>', 'a room this storage is a member of'),
  flag('--resolved', 'each message once in its current state (not importable)'),
  ...storageFlags()
), async (p, ctx) => {
  const roomName = str(p, 'room')
  const storage = storageDir(p, ctx)
  let source: ExportSource
  if (roomName !== undefined) {
    if (p.args.key !== undefined || str(p, 'name') !== undefined) throw usage('export takes one of KEY, --name NAME or --room NAME')
    const room = await openRoom(storage, roomName)
    ctx.shutdown.add(STOP_STORAGE, () => room.close())
    source = await roomExport(room)
  } else {
    const { feed } = await openFeed({ storage, key: p.args.key, name: str(p, 'name') }, { access: 'read', command: 'export' })
    ctx.shutdown.add(STOP_STORAGE, () => feed.close())
    source = feedExport(feed)
  }
  for await (const lines of exportLines(source, { resolved: bool(p, 'resolved') })) {
    if (ctx.stdout.closed || ctx.shutdown.signal.aborted) break
    await ctx.stdout.lines(lines)
  }
  return 0
})
