import { command, description, flag, summary } from 'paparam'
import { int, str } from '../args.js'
import { define } from '../command.js'
import { list } from '../args.js'
import { storageDir } from '../common.js'
import { parseMirrorKeys } from '../../mirror/keys.js'
import { chat, chatFlags, chatOptions, closeWithShutdown, goOnline } from './session.js'
import { MAX_DIFFICULTY } from '../../chain/block.js'
import { toHex } from '../../keys.js'
import { DEFAULT_ROOM_DIFFICULTY } from '../../room/constants.js'
import { createRoom } from '../../room/open.js'

export default define(command('create',
  summary('create a room, print its key and an invite, then chat in it'),
  description(`Creates a room called NAME in this storage, with this storage as its creator and
first member. Prints the room key (stdout line 1) and an invite (stdout line 2),
then behaves like room chat: the history, then live entries; each stdin line is
a post. Anyone with the invite can join (once): send it to them.`),
  flag('--mirror <key>', 'a mirror (blind peer) every member asks to keep the room; repeatable (more later with /mirror KEY)').multiple(),
  flag('--difficulty <d>', `the room's minimum proof of work for blocks, fixed for its life (default ${DEFAULT_ROOM_DIFFICULTY})`),
  ...chatFlags()
), async (p, ctx) => {
  const opts = chatOptions(p)
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_ROOM_DIFFICULTY
  const name = str(p, 'name') ?? 'default'
  const mirrors = parseMirrorKeys(list(p, 'mirror'))
  const room = await createRoom(storageDir(p, ctx), name, { nick: opts.nick, difficulty })
  closeWithShutdown(room, ctx)
  await ctx.stdout.line(toHex(room.key))
  await ctx.stdout.line(await room.createInvite())
  for (const key of mirrors) await room.addMirror(key)
  ctx.status.info(`hyperfeed: created room "${name}"; others join with: hyperfeed room join INVITE (the second line)`)
  const network = await goOnline(room, p, ctx)
  return chat(room, network, opts, ctx)
})
