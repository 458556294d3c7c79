import { command, description, flag, summary } from 'paparam'
import { bool, storageFlags, str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { closeWithShutdown, inviteLine } from './session.js'
import { openRoom } from '../../room/open.js'

export default define(command('invites',
  summary('list a room\'s invites: ID, maker, state'),
  description(`Lists the invites of the room NAME that this storage knows of, oldest first:
their ID (for room uninvite), the member who made each and its state: open,
used, revoked, void (its maker was removed) or expired. With --all, the used,
revoked and void ones too; by default only the open ones. In a running chat, type /invites.`),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  flag('--all', 'every invite, not only the open ones'),
  flag('--json', 'one JSON object per invite'),
  ...storageFlags()
), async (p, ctx) => {
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  const invites = (await room.invites()).filter(i => bool(p, 'all') || i.state === 'open')
  await ctx.stdout.lines(invites.map(i => bool(p, 'json') ? JSON.stringify(i) : inviteLine(i)))
  return 0
})
