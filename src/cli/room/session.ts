import safetyCatch from 'safety-catch'
import { flag } from 'paparam'
import { type Parsed, bool, networkFlags, networkOptions, seconds, storageFlags, str } from '../args.js'
import { type Context, plural } from '../command.js'
import { announceNetwork, defaultNick, openNetwork, readStdin } from '../common.js'
import { STOP_STORAGE, STOP_WORK } from '../shutdown.js'
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
import type { Room } from '../../room/room.js'
import type { MemberRecord } from '../../room/state.js'
import { isRoomType } from '../../room/state.js'

export const DEFAULT_TIMEOUT = 30

export const chatFlags = () => [
  flag('--name <name>', 'the room\'s name in this storage (default: default)'),
  flag('--nick <nick>', 'your nick in the room (default: your user name)'),
  flag('--json', 'print {"seq","author","authorSeq","value"} lines; each input line is a JSON entry object'),
  flag('--once', 'sync with a member, print the room\'s history in its current order and exit (1 if no member is reachable)'),
  flag('--timeout <seconds>', `how long to wait for a member (default ${DEFAULT_TIMEOUT})`),
  ...storageFlags(),
  ...networkFlags()
]

export interface ChatOptions {
  name: string
  nick: string
  json: boolean
  once: boolean
  timeout: number
}

export function chatOptions (p: Parsed): ChatOptions {
  return {
    name: str(p, 'name') ?? 'default',
    nick: str(p, 'nick') ?? defaultNick(),
    json: bool(p, 'json'),
    once: bool(p, 'once'),
    timeout: (seconds(p, 'timeout') ?? DEFAULT_TIMEOUT) * 1000
  }
}

export async function goOnline (room: Room, p: Parsed, ctx: Context): Promise<Network> {
  const network = openNetwork(room.store, resolveNetworkOptions(networkOptions(p), ctx.env), ctx)
  await network.join(room)
  announceNetwork(network, ctx.status)
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
  const print = async (batch: RoomEntry[]) => {
    if (batch.some(r => !('unreadable' in r) && isRoomType(r.value.type))) for (const m of await room.members()) names.addMember(m)
    const marks = await chain.marks(batch)
    await stdout.lines(batch.map(r => opts.json ? formatRoomJson(r, marks.get(r)) : formatRoomHuman(r, names, marks.get(r))))
  }
  const miner = new RoomMiner(room)
  shutdown.add(STOP_WORK, () => miner.close())

  if (opts.once) {
    const found = await room.findPeer(opts.timeout, shutdown.signal)
    if (shutdown.signal.aborted) return 0
    if (found) await room.sync({ timeout: opts.timeout })
    await print(await room.read(0, room.length))
    if (!found) throw noMember(toHex(room.key), opts.timeout, `the ${plural(room.length, 'entry', 'entries')}`)
    return 0
  }

  const follower = room.follow({ start: 0, live: true })
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
  const self = await room.member(room.writerKey)
  if (self !== null) tellRemoved(self)

  const input = new LineInput(room, {
    nick: opts.nick,
    json: opts.json,
    commands: {
      invite: async () => {
        status.info(`invite: ${await room.createInvite()}`)
        return []
      },
      members: async () => {
        for (const m of await room.members()) status.info(memberLine(m, names))
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
      remove: async (args) => {
        const removed = await room.remove(args.trim())
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

export function memberLine (m: { key: string, nick: string, self: boolean, invitedBy: string | null, removed: { by: string } | null }, names: Names): string {
  const how = m.invitedBy === null ? 'creator' : `added by ${names.name(m.invitedBy)}`
  const removed = m.removed === null ? '' : `, removed by ${names.name(m.removed.by)}`
  return `${m.key}  ${names.name(m.key, m.nick)}  ${how}${removed}${m.self ? '  (this storage)' : ''}`
}
