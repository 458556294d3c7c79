import { arg, command, description, summary } from 'paparam'
import { networkOptions, str } from '../args.js'
import { define } from '../command.js'
import { storageDir } from '../common.js'
import { STOP_STORAGE } from '../shutdown.js'
import { chat, chatFlags, chatOptions, closeWithShutdown, goOnline } from './session.js'
import { relay } from './relay.js'
import { HyperfeedError, usage } from '../../errors.js'
import { toHex } from '../../keys.js'
import { parseRoomRef } from '../../room/invites.js'
import { checkNick } from '../../room/names.js'
import { discardRoom, openRoomRelay, openRoomToJoin } from '../../room/open.js'
import { resolveNetworkOptions } from '../../network/options.js'

export default define(command('join',
  summary('join a room with an invite (or an open room with its key), then chat in it'),
  description(`Joins the room INVITE names, storing it here as NAME, then behaves like room chat.
Joining needs any one member online that knows the invite (not necessarily the
one who made it). An invite lets one member in. With no member reachable within
--timeout it exits 1 and leaves nothing behind: the same invite works later.
An open room (room create --open) is joined with its key and --nick: no invite,
a proof of work of a second or so instead. Given a bare room key without
--nick, this storage keeps and shares the room's encrypted entries for its
members without being able to read them.`),
  arg('[invite]', 'the invite (hyperfeed-room:...), or a room key (an open room with --nick; else relay it)'),
  ...chatFlags()
), async (p, ctx) => {
  if (p.args.invite === undefined) throw usage('room join needs the INVITE (hyperfeed-room:..., the second line room create prints)')
  const ref = parseRoomRef(p.args.invite)
  const opts = chatOptions(p)
  // a bare key with a nick: join the open room; without: relay it
  const open = ref.invite === null && str(p, 'nick') !== undefined
  if (ref.invite !== null || open) checkNick(opts.nick)
  const name = str(p, 'name') ?? 'default'
  const storage = storageDir(p, ctx)
  if (ref.invite === null && !open) {
    const copy = await openRoomRelay(storage, name, ref.roomKey)
    return relay(copy, resolveNetworkOptions(networkOptions(p), ctx.env), opts, ctx)
  }
  const { room, fresh, joined } = await openRoomToJoin(storage, name, ref)
  closeWithShutdown(room, ctx)
  const network = await goOnline(room, p, ctx)
  if (!joined) {
    try {
      const how = { nick: opts.nick, timeout: opts.timeout, signal: ctx.shutdown.signal }
      const member = ref.invite === null ? await room.joinOpen(how) : await room.join(ref.invite, how)
      ctx.status.info(`hyperfeed: joined room ${toHex(room.key)} as ${member.nick} (${member.key})`)
    } catch (err) {
      if (fresh && err instanceof HyperfeedError) {
        // nothing half-joined stays behind: the next try starts clean
        ctx.shutdown.add(STOP_STORAGE + 1, () => discardRoom(storage, name))
      }
      throw err
    }
  }
  return chat(room, network, opts, ctx)
})
