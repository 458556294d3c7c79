import { command, description, flag, summary } from 'paparam'
import { bool, storageFlags, str } from '../args.js'
import { define, plural } from '../command.js'
import { storageDir } from '../common.js'
import { memberLine } from './session.js'
import { Names } from '../../room/format.js'
import { openRoom } from '../../room/open.js'
import { describeIndexers } from '../../room/roles.js'

export default define(command('info',
  summary('show a room: key, members, length, what this storage holds'),
  description(`Shows the room NAME: its key, its minimum block difficulty, its members (writer
key, nick, who added it, whether removed, its roles, which one is this storage),
its indexers (and how many must be online to settle), its admins and its length.`),
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  flag('--json', 'one JSON object'),
  ...storageFlags()
), async (p, ctx) => {
  const room = await openRoom(storageDir(p, ctx), str(p, 'name') ?? 'default')
  let info
  try {
    info = { ...(await room.info()), storage: room.store.dir }
  } finally {
    await room.close()
  }
  if (bool(p, 'json')) {
    await ctx.stdout.line(JSON.stringify(info))
    return 0
  }
  const names = new Names(info.members)
  const self = info.members.find(m => m.self)
  await ctx.stdout.lines([
    `key:            ${info.key}`,
    `creator:        ${info.creator === null ? 'unknown' : names.name(info.creator)} ${info.creator ?? ''}`.trimEnd(),
    `difficulty:     ${info.difficulty ?? 'unknown'} (minimum for blocks)`,
    `joining:        ${info.stampBits === null ? 'with an invite' : `open: the room key and a ${info.stampBits}-bit stamp of work`}`,
    `length:         ${plural(info.length, 'entry', 'entries')} (${info.signedLength} settled)`,
    `this storage:   ${self === undefined ? `not a member (writer ${info.writer})` : self.removed === null ? `member ${self.key}` : `removed member ${self.key}`}`,
    `indexers:       ${info.indexers.map(k => names.name(k)).join(', ')}: ${describeIndexers(info.indexers.length)}`,
    `admins:         ${info.admins.map(k => names.name(k)).join(', ')}`,
    `members:        ${info.members.filter(m => m.removed === null).length}`,
    ...info.members.map(m => '  ' + memberLine(m, names)),
    `storage:        ${info.storage}`
  ])
  return 0
})
