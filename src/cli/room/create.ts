import { command, description, flag, summary } from 'paparam'
import { bool, int, str } from '../args.js'
import { define } from '../command.js'
import { list } from '../args.js'
import { storageDir } from '../common.js'
import { parseMirrorKeys } from '../../mirror/keys.js'
import { chat, chatFlags, chatOptions, closeWithShutdown, goOnline } from './session.js'
import { MAX_DIFFICULTY } from '../../chain/block.js'
import { toHex } from '../../keys.js'
import { DEFAULT_ROOM_DIFFICULTY } from '../../room/constants.js'
import { createRoom } from '../../room/open.js'
import { DEFAULT_STAMP_BITS, MAX_STAMP_BITS } from '../../room/join-stamp.js'
import { usage } from '../../errors.js'

export default define(command('create',
  summary('create a room, print its key and an invite, then chat in it'),
  description(`Creates a room called NAME in this storage, with this storage as its creator and
first member. Prints the room key (stdout line 1) and an invite (stdout line 2),
then behaves like room chat: the history, then live entries; each stdin line is
a post. Anyone with the invite can join (once): send it to them.
With --open there is no invite: anyone who knows the room key (line 1) and
reaches a member joins, after a proof of work (--stamp-bits); the room is not
encrypted, and admins can still remove members.`),
  flag('--open', 'an open room: anyone who knows its key joins (room join KEY --nick NAME) and reads it, no invite needed'),
  flag('--stamp-bits <n>', `with --open: the proof of work a join costs, in bits (default ${DEFAULT_STAMP_BITS}: about a second of CPU)`),
  flag('--mirror <key>', 'a mirror (blind peer) every member asks to keep the room; repeatable (more later with /mirror KEY)').multiple(),
  flag('--difficulty <d>', `the room's minimum proof of work for blocks, fixed for its life (default ${DEFAULT_ROOM_DIFFICULTY})`),
  ...chatFlags()
), async (p, ctx) => {
  const opts = chatOptions(p)
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_ROOM_DIFFICULTY
  const name = str(p, 'name') ?? 'default'
  const open = bool(p, 'open')
  const stampBits = int(p, 'stamp-bits', { min: 0, max: MAX_STAMP_BITS })
  if (stampBits !== undefined && !open) throw usage('--stamp-bits is for open rooms (--open)')
  const mirrors = parseMirrorKeys(list(p, 'mirror'))
  const room = await createRoom(storageDir(p, ctx), name, { nick: opts.nick, difficulty, open, stampBits })
  closeWithShutdown(room, ctx)
  await ctx.stdout.line(toHex(room.key))
  if (!open) await ctx.stdout.line(await room.createInvite())
  for (const key of mirrors) await room.addMirror(key)
  if (open) {
    ctx.status.info(`hyperfeed: created the open room "${name}"; others join with: hyperfeed room join ${toHex(room.key)} --nick NAME (or serve --room NAME --join KEY)`)
  } else {
    ctx.status.info(`hyperfeed: created room "${name}"; others join with: hyperfeed room join INVITE (the second line)`)
  }
  const network = await goOnline(room, p, ctx)
  return chat(room, network, opts, ctx)
})
