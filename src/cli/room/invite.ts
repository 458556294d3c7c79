import { command, description, flag, summary } from 'paparam'
import { int, storageFlags, str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { closeWithShutdown } from './session.js'
import { openRoom } from '../../room/open.js'
import { MAX_VALID_FOR } from '../../room/invite-rules.js'

export default define(command('invite',
  summary('print a fresh invite to a room and exit'),
  description(`Prints a fresh invite to the room NAME as stdout line 1 and exits. Any member can
invite. The room learns the invite when this storage next meets a member (room
chat, serve --room); while one of those runs here, type /invite there instead.
An invite lets one member in, while the member who made it is still a member;
room invites lists them, room uninvite ID revokes one. With --valid-for N it
expires once N entries have entered the room after it (counted in the room's
order, the same on every member: no clock).`),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  flag('--valid-for <entries>', 'the invite expires once this many entries have entered the room after it'),
  ...storageFlags()
), async (p, ctx) => {
  const validFor = int(p, 'valid-for', { min: 1, max: MAX_VALID_FOR }) ?? null
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  await ctx.stdout.line(await room.createInvite({ validFor }))
  return 0
})
