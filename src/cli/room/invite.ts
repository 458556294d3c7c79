import { command, description, flag, summary } from 'paparam'
import { storageFlags, str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { closeWithShutdown } from './session.js'
import { openRoom } from '../../room/open.js'

export default define(command('invite',
  summary('print a fresh invite to a room and exit'),
  description(`Prints a fresh invite to the room NAME as stdout line 1 and exits. Any member can
invite. The room learns the invite when this storage next meets a member (room
chat, serve --room); while one of those runs here, type /invite there instead.
An invite lets one member in.`),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  ...storageFlags()
), async (p, ctx) => {
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  await ctx.stdout.line(await room.createInvite())
  return 0
})
