import { command, description, flag, summary } from 'paparam'
import { bool, storageFlags } from '../args.js'
import { define, plural } from '../command.js'
import { storageDir } from '../common.js'
import { listRooms } from '../../room/open.js'

export default define(command('list',
  summary('list the rooms in this storage'),
  description('Lists the rooms in this storage: name, key, members and length (as of the last time each was open).'),
  flag('--json', 'one JSON object per room'),
  ...storageFlags()
), async (p, ctx) => {
  const rooms = await listRooms(storageDir(p, ctx))
  if (bool(p, 'json')) {
    await ctx.stdout.lines(rooms.map(({ name, summary }) => JSON.stringify({ name, ...summary })))
    return 0
  }
  await ctx.stdout.lines(rooms.map(({ name, summary: s }) =>
    `${name}  ${s.key}  ${s.joined ? `${plural(s.members, 'member')}, ${plural(s.length, 'entry', 'entries')}` : 'not joined (relayed or joining)'}`))
  return 0
})
