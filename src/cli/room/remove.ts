import { arg, command, description, flag, summary } from 'paparam'
import { storageFlags, str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { closeWithShutdown } from './session.js'
import { usage } from '../../errors.js'
import { openRoom } from '../../room/open.js'

export default define(command('remove',
  summary('remove a member from a room (admins only)'),
  description(`Removes the member MEMBER_KEY (its writer key, as room info lists it) from the
room NAME. Only an admin can (room info lists them; any member may remove
itself); the last admin and the only indexer stay. Entries that member posts after the
removal never enter the room, and it cannot read what the others post after
it: the removal starts a new epoch whose key only the remaining members get. The others learn of it when this storage next
meets them (room chat, serve --room); in a running chat, type /remove KEY.`),
  arg('[member]', 'the member\'s key (64 hex)'),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  ...storageFlags()
), async (p, ctx) => {
  const member = p.args.member
  if (member === undefined || !/^[0-9a-fA-F]{64}$/.test(member)) throw usage('room remove needs the MEMBER_KEY (64 hex characters, as room info lists it)')
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  const removed = await room.remove(member)
  ctx.status.info(`removed ${removed.nick} (${removed.key}) from the room`)
  return 0
})
