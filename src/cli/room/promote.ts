import { arg, command, description, flag, summary } from 'paparam'
import { type Parsed, storageFlags, str } from '../args.js'
import { type Context, define } from '../command.js'
import { storageDir } from '../common.js'
import { closeWithShutdown } from './session.js'
import { memberKeys, roleChange, roleText } from './roles.js'
import { openRoom } from '../../room/open.js'

const roleCommand = (name: 'promote' | 'demote', to: boolean, what: string) => define(command(name,
  summary(`${what} (admins only)`),
  description(`${to ? 'Makes' : 'Stops making'} the members MEMBER_KEY[,KEY...] ${to ? '' : 'no longer '}admins (they may remove members,
promote and demote) and indexers (their acknowledgements settle the room's order;
it settles while a majority of the indexers is online: 1 of 1, 2 of 3, 3 of 5).
--role admin or --role indexer changes one role only. A room keeps an odd number
of indexers, 1 to 7: promote two members at once to go from 1 to 3. Only an
admin can; the others learn of it when this storage next meets them. In a
running chat, type /${name} KEY[,KEY...] [admin|indexer].`),
  arg('[members]', 'the members\' keys (64 hex), comma-separated'),
  flag('--role <role>', 'both (default), admin or indexer'),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  ...storageFlags()
), async (p: Parsed, ctx: Context) => {
  const keys = memberKeys(p.args.members, `room ${name}`)
  const change = roleChange(str(p, 'role'), to)
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  closeWithShutdown(room, ctx)
  for (const m of await room.changeRoles(keys, change)) ctx.status.info(`${m.nick} (${m.key}): ${roleText(m)}`)
  return 0
})

export const promote = roleCommand('promote', true, 'make members admins and indexers')
export const demote = roleCommand('demote', false, 'take members\' admin and indexer roles')
