import { arg, command, description, flag, summary } from 'paparam'
import { storageFlags, str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { closeWithShutdown } from './session.js'
import { usage } from '../../errors.js'
import { openRoom } from '../../room/open.js'

export default define(command('uninvite',
  summary('revoke an invite (its maker or an admin)'),
  description(`Revokes the invite ID (as room invites lists it, or 6+ hex characters of it) of
the room NAME: every member then refuses a join with it. Its maker or the room's
creator can. The others learn of it when this storage next meets them (room
chat, serve --room); in a running chat, type /uninvite ID.`),
  arg('[id]', 'the invite\'s ID'),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  ...storageFlags()
), async (p, ctx) => {
  const id = p.args.id
  if (id === undefined) throw usage('room uninvite needs the invite\'s ID (room invites lists them)')
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  const revoked = await room.uninvite(id)
  ctx.status.info(`revoked invite ${revoked.id} (made by ${revoked.nick})`)
  return 0
})
