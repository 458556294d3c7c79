import safetyCatch from 'safety-catch'
import { flag } from 'paparam'
import { type Parsed, bool, filterFlags, filterOptions, networkFlags, networkOptions, seconds, storageFlags, str } from '../args.js'
import { type Context, plural } from '../command.js'
import { announceNetwork, defaultNick, holdIdentity, openNetwork, readStdin, storageDir } from '../common.js'
import { STOP_SERVERS, STOP_STORAGE, STOP_WORK } from '../shutdown.js'
import { RoomMirrors } from '../../mirror/room-mirrors.js'
import { parseMirrorKey } from '../../mirror/keys.js'
import { isHyperfeedError, noMember } from '../../errors.js'
import { LineInput } from '../../input.js'
import type { Network } from '../../network/swarm.js'
import { resolveNetworkOptions } from '../../network/options.js'
import { toHex } from '../../keys.js'
import type { RoomEntry } from '../../room/follow.js'
import { Names, formatRoomHuman, formatRoomJson } from '../../room/format.js'
import { RoomChain } from '../../room/chain.js'
import { RoomMiner } from '../../room/miner.js'
import { parseBlockData } from '../../chain/mine.js'
import type { InviteInfo, Room } from '../../room/room.js'
import { escapeTerminal } from '../../entries.js'
import type { MemberRecord } from '../../room/state.js'
import { isAdmin, isRoomType } from '../../room/state.js'
import type { EntryFilter } from '../../filter.js'
import { messageCommands } from '../message-commands.js'
import { isChat } from '../../entries.js'
import { MessagePrinter, type PrintMode } from '../../messages/printer.js'
import type { BlockMark } from '../../room/chain.js'
import { memberKeys, roleChange, roleText } from './roles.js'

export const DEFAULT_TIMEOUT = 30

export const chatFlags = () => [
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  flag('--nick <nick>', 'your nick in the room (default: your user name)'),
  flag('--json', 'print {"seq","author","authorSeq","value"} lines; each input line is a JSON entry object'),
  flag('--resolved', 'print one JSON line per message in its current state (text, edited, deleted, reactions, replyTo), again when it changes'),
  flag('--once', 'sync with a member, print the room\'s history in its current order and exit (1 if no member is reachable)'),
  flag('--timeout <seconds>', `how long to wait for a member (default ${DEFAULT_TIMEOUT})`),
  ...filterFlags(),
  ...storageFlags(),
  ...networkFlags()
]

export interface ChatOptions {
  name: string
  nick: string
  json: boolean
  mode: PrintMode
  once: boolean
  timeout: number
  filter: EntryFilter
}

export function chatOptions (p: Parsed): ChatOptions {
  return {
    name: str(p, 'name') ?? 'default',
    nick: str(p, 'nick') ?? defaultNick(),
    json: bool(p, 'json'),
    mode: bool(p, 'resolved') ? 'resolved' : bool(p, 'json') ? 'json' : 'human',
    once: bool(p, 'once'),
    timeout: (seconds(p, 'timeout') ?? DEFAULT_TIMEOUT) * 1000,
    filter: filterOptions(p)
  }
}

export async function goOnline (room: Room, p: Parsed, ctx: Context): Promise<Network> {
  const identity = await holdIdentity(storageDir(p, ctx), ctx)
  const network = openNetwork(room.store, { ...resolveNetworkOptions(networkOptions(p), ctx.env), identity }, ctx)
  await network.join(room)
  announceNetwork(network, ctx.status)
  const mirrors = new RoomMirrors({ room, network })
  ctx.shutdown.add(STOP_SERVERS, () => mirrors.close())
  ctx.warnings.watch(mirrors, 'mirror')
  mirrors.on('mirror-added', (hex: string) => ctx.status.info(`mirror ${hex}: asking it to keep the room`))
  mirrors.on('mirror-connected', (hex: string) => ctx.status.info(`mirror ${hex} is keeping the room`))
  mirrors.ready().catch(safetyCatch)
  return network
}

export function closeWithShutdown (room: Room, ctx: Context): void {
  ctx.shutdown.add(STOP_STORAGE, () => room.close())
  ctx.warnings.watch(room, 'room')
}

export async function chat (room: Room, network: Network, opts: ChatOptions, ctx: Context): Promise<number> {
  const { stdout, status, shutdown } = ctx
  const names = new Names(await room.members())
  const chain = new RoomChain(room)
  // admins may delete any message (read as the room stands now)
  let admins = new Set<string>()
  const learnMembers = async () => {
    const members = await room.members()
    names.set(members)
    admins = new Set(members.filter(isAdmin).map(m => m.key))
  }
  await learnMembers()
  const self = toHex(room.writerKey)
  let marks = new Map<RoomEntry, BlockMark>()
  const printer = new MessagePrinter({
    mode: opts.mode,
    room: true,
    isAdmin: (a) => admins.has(a),
    filter: opts.filter,
    name: (author, nick) => names.poster(author, nick),
    human: (r) => formatRoomHuman(r as RoomEntry, names, marks.get(r as RoomEntry)),
    json: (r) => formatRoomJson(r as RoomEntry, marks.get(r as RoomEntry))
  })
  const print = async (batch: RoomEntry[]) => {
    if (batch.some(r => !('unreadable' in r) && isRoomType(r.value.type))) await learnMembers()
    marks = await chain.marks(batch)
    await stdout.lines(await printer.push(batch))
  }
  const miner = new RoomMiner(room)
  shutdown.add(STOP_WORK, () => miner.close())

  if (opts.once) {
    const found = await room.findPeer(opts.timeout, shutdown.signal)
    if (shutdown.signal.aborted) return 0
    if (found) await room.sync({ timeout: opts.timeout })
    await print(await room.read(0, room.length))
    await stdout.lines(await printer.release())
    if (!found) throw noMember(toHex(room.key), opts.timeout, `the ${plural(room.length, 'entry', 'entries')}`)
    return 0
  }

  // --resolved: the stored messages once each, then changes as they come
  let start = 0
  if (opts.mode === 'resolved') {
    start = room.length
    await print(await room.read(0, start))
    await stdout.lines(await printer.release())
  }
  const follower = room.follow({ start, live: true })
  shutdown.add(STOP_WORK, () => follower.destroy())
  // shown above, then not in the room's order after all: said, not silently gone
  follower.on('dropped', (dropped: { author: string, authorSeq: number }[]) => {
    stdout.lines(dropped.map(d => opts.json
      ? JSON.stringify({ dropped: d })
      : `! ${names.name(d.author)}'s entry #${d.authorSeq} (shown above) is not in the room: the room's order put it after its author's removal`)).catch(safetyCatch)
  })
  const printing = (async () => { for await (const batch of follower) await print(batch) })()
  printing.catch(safetyCatch)

  // told once; from then on typed lines are not posted (and not answered one by one)
  let removed = false
  const tellRemoved = (self: MemberRecord) => {
    if (removed || self.removed === null) return
    removed = true
    status.info(`hyperfeed: you were removed from ${opts.name} by ${names.name(self.removed.by)}: this chat still shows the room but posts nothing more`)
  }
  room.on('removed', tellRemoved)
  shutdown.add(STOP_WORK, () => { room.off('removed', tellRemoved) })
  const record = await room.member(room.writerKey)
  if (record !== null) tellRemoved(record)

  const roles = async (args: string, to: boolean) => {
    const [keys, role] = args.trim().split(/\s+/)
    const changed = await room.changeRoles(memberKeys(keys, to ? '/promote' : '/demote'), roleChange(role, to))
    names.set(await room.members())
    for (const m of changed) status.info(`${names.name(m.key)} (${m.key}): ${roleText(m)}`)
    return []
  }
  const input = new LineInput(room, {
    nick: opts.nick,
    json: opts.json,
    commands: {
      invite: async () => {
        status.info(`invite: ${await room.createInvite()}`)
        return []
      },
      invites: async () => {
        const open = (await room.invites()).filter(i => i.state === 'open')
        if (open.length === 0) status.info('no open invites')
        for (const i of open) status.info(inviteLine(i))
        return []
      },
      uninvite: async (args) => {
        const revoked = await room.uninvite(args.trim())
        status.info(`revoked invite ${revoked.id} (made by ${revoked.nick})`)
        return []
      },
      members: async () => {
        const members = await room.members()
        names.set(members)
        for (const m of members) status.info(memberLine(m, names))
        return []
      },
      block: async (args) => {
        const mined = await miner.mine(parseBlockData(args), {
          onTemplate: (height, difficulty) => status.info(`mining block #${height} at difficulty ${difficulty}...`),
          onRestart: (tip) => status.info(`the tip moved to #${tip.height} ${tip.hash.slice(0, 12)} (another member's block): mining again on it`)
        })
        status.info(`mined block #${mined.block.height} ${mined.block.hash.slice(0, 12)} in ${(mined.ms / 1000).toFixed(2)} s (${mined.hashes} hashes)`)
        return []
      },
      ...messageCommands({
        nick: opts.nick,
        find: async (n) => {
          const r = (await room.read(n, n + 1))[0]
          return r !== undefined && 'value' in r && isChat(r.value) ? { ref: { author: r.author, authorSeq: r.authorSeq }, author: r.author } : null
        },
        mayEdit: (author) => author === self,
        mayDelete: (author) => author === self || admins.has(self)
      }),
      mirror: async (args) => {
        const key = parseMirrorKey(args.trim())
        await room.addMirror(key)
        status.info(`the room's mirrors: ${(await room.mirrors()).map(k => toHex(k)).join(', ')}`)
        return []
      },
      promote: async (args) => roles(args, true),
      demote: async (args) => roles(args, false),
      remove: async (args) => {
        const removed = await room.remove(args.trim())
        names.set(await room.members())
        status.info(`removed ${names.name(removed.key)} (${removed.key})`)
        return []
      }
    },
    onReject: (err) => {
      if (removed && isHyperfeedError(err) && err.code === 'NOT_MEMBER') return
      status.info(`hyperfeed: ${err.message}`)
    }
  })
  shutdown.add(STOP_WORK, async () => {
    process.stdin.destroy()
    await input.idle()
  })
  if (status.tty) {
    network.on('connection', () => status.info(`peer connected (${network.connections} online)`))
    network.on('disconnection', () => status.info(`peer left (${network.connections} online)`))
  }
  if (await readStdin(input, shutdown)) {
    status.info(`input ended; still serving the room (${plural(room.length, 'entry', 'entries')}) to its members until Ctrl-C`)
    await shutdown.stopped()
  }
  return 0
}

export function inviteLine (i: InviteInfo): string {
  return `${i.id}  by ${escapeTerminal(i.nick)} (${i.by.slice(0, 12)})  ${i.text}`
}

export function memberLine (m: { key: string, nick: string, self: boolean, invitedBy: string | null, removed: { by: string } | null, admin?: boolean, indexer?: boolean, open?: boolean }, names: Names): string {
  const how = m.open === true ? 'joined the open room' : m.invitedBy === null ? 'creator' : `added by ${names.name(m.invitedBy)}`
  const removed = m.removed === null ? '' : `, removed by ${names.name(m.removed.by)}`
  return `${m.key}  ${names.name(m.key)}  ${how}${removed}${m.removed === null ? `  (${roleText(m)})` : ''}${m.self ? '  (this storage)' : ''}`
}
