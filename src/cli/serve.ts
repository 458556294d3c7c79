import { isIP } from 'node:net'
import { arg, command, description, flag, summary } from 'paparam'
import { bool, followerFlags, int, networkFlags, networkOptions, storageFlags, str } from './args.js'
import { type Context, define } from './command.js'
import { announceGateway, announceNetwork, defaultNick, openNetwork, storageDir } from './common.js'
import { STOP_SERVERS, STOP_STORAGE, STOP_WORK } from './shutdown.js'
import { DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../chain/block.js'
import { openFeed } from '../feed/open.js'
import { type NetworkOptions, resolveNetworkOptions } from '../network/options.js'
import { createRoom, discardRoom, listRooms, openRoom, openRoomToJoin } from '../room/open.js'
import { type RoomRef, parseRoomRef } from '../room/invites.js'
import { DEFAULT_STAMP_BITS, MAX_STAMP_BITS } from '../room/join-stamp.js'
import type { Room } from '../room/room.js'
import type { Network } from '../network/swarm.js'
import { toHex } from '../keys.js'
import { HyperfeedError, roomNameTaken, usage } from '../errors.js'
import { DEFAULT_LISTEN, DEFAULT_PORT } from '../serve/http.js'
import { LocalSearch, searchDir } from '../search/local.js'
import { feedSource, roomSource } from '../search/updater.js'

// how long --join waits for a member of the room
const JOIN_TIMEOUT = 60_000

export default define(command('serve',
  summary('serve a feed over HTTP: JSON API, /live WebSocket and a web page'),
  description(`Serves a feed over HTTP: a JSON API, a /live WebSocket, /metrics and a web page at /.
With KEY (or a private feed's invite) it follows that feed read-only, like view;
with --name it serves this storage's own writable feed, like write. It replicates
while serving. The first line of stdout is the server's URL.
With --room it serves a room; --open creates it first as an open room (the
tutorials' first node), --join KEY joins an open room first (the others): one
command per node, HTTP_PORT, P2P_PORT and PEERS read as the tutorials do.`),
  arg('[key]', 'the feed key to follow read-only, or a private feed\'s invite'),
  flag('--name <name>', 'serve this storage\'s own feed NAME (writable)'),
  flag('--room <name>', 'serve the room NAME this storage is a member of'),
  flag('--nick <nick>', 'with --room: the nick of chat posts from the page that give none, and the one --join joins with (default: your user name)'),
  flag('--join <ref>', 'with --room: join the room first (if not joined yet): an open room\'s key, or an invite'),
  flag('--open', 'with --room: create NAME as an open room first, if this storage has no room of that name'),
  flag('--stamp-bits <n>', `with --open: the proof of work a join costs, in bits (default ${DEFAULT_STAMP_BITS})`),
  flag('--port <port>', `HTTP port (default ${DEFAULT_PORT}; 0 picks a free one)`),
  flag('--listen <addr>', `address to listen on (default ${DEFAULT_LISTEN}, this machine only)`),
  flag('--token <token>', 'require "Authorization: Bearer TOKEN" on every POST; beyond loopback one is generated if not given'),
  flag('--difficulty <d>', `default proof of work for POST /api/mine (default ${DEFAULT_DIFFICULTY})`),
  ...storageFlags(),
  ...networkFlags()
), async (p, ctx) => {
  const key = p.args.key
  const name = str(p, 'name')
  const roomName = str(p, 'room')
  if ([key, name, roomName].filter(x => x !== undefined).length !== 1) throw usage('serve needs either a feed KEY (read-only), --name NAME (this storage\'s own feed) or --room NAME (a room)')
  // the tutorials' environment: HTTP_PORT and P2P_PORT are defaults for --port and --ws-port (PEERS: network/options.ts)
  const port = int(p, 'port', { min: 0, max: 65535 }) ?? envPort(ctx.env, 'HTTP_PORT') ?? DEFAULT_PORT
  const host = str(p, 'listen') ?? DEFAULT_LISTEN
  if (isIP(host) === 0) throw usage(`--listen must be an IP address, not ${JSON.stringify(host)}`)
  const token = str(p, 'token') ?? null
  if (token !== null && !/^[\x21-\x7e]{8,}$/.test(token)) throw usage('--token must be at least 8 printable characters without spaces')
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_DIFFICULTY
  const flags = networkOptions(p)
  if (flags.wsPort === null) flags.wsPort = envPort(ctx.env, 'P2P_PORT') ?? null
  const netOpts = resolveNetworkOptions(key !== undefined ? followerFlags(flags) : flags, ctx.env)
  const { status, shutdown } = ctx

  const join = str(p, 'join')
  const open = bool(p, 'open')
  const stampBits = int(p, 'stamp-bits', { min: 0, max: MAX_STAMP_BITS })
  if (roomName === undefined && (join !== undefined || open)) throw usage('--join and --open go with --room NAME')
  if (join !== undefined && open) throw usage('--join joins a room, --open creates one: pick one')
  if (stampBits !== undefined && !open) throw usage('--stamp-bits goes with --open')
  if (roomName !== undefined) {
    const nick = str(p, 'nick') ?? defaultNick()
    return serveRoom(roomName, { host, port, token, netOpts, nick, storage: storageDir(p, ctx), join: join === undefined ? null : parseRoomRef(join), open, stampBits }, ctx)
  }
  const { feed } = await openFeed({ storage: storageDir(p, ctx), key, name }, { access: key !== undefined ? 'follow' : 'write' })
  shutdown.add(STOP_STORAGE, () => feed.close())
  const network = openNetwork(feed.store, netOpts, ctx)
  await network.join(feed)
  // loaded here: only serve needs the HTTP server and its metrics
  const { Gateway } = await import('../serve/gateway.js')
  const search = new LocalSearch(searchDir(storageDir(p, ctx), feed.key), feed.key, feedSource(feed), { live: true })
  ctx.warnings.watch(search, 'search index')
  shutdown.add(STOP_WORK, () => search.close())
  await search.ready()
  const gateway = new Gateway({ feed, network, host, port, token, difficulty, search })
  ctx.warnings.watch(gateway, 'gateway')
  shutdown.add(STOP_SERVERS, () => gateway.close())
  await gateway.ready()
  await announceGateway(gateway, `${feed.writable ? 'the writable' : 'the read-only'} feed ${toHex(feed.key)}`, ctx)
  announceNetwork(network, status)
  await shutdown.stopped()
  return 0
})

interface RoomServeOptions {
  host: string
  port: number
  token: string | null
  netOpts: NetworkOptions
  nick: string
  storage: string
  join: RoomRef | null
  open: boolean
  stampBits: number | undefined
}

async function serveRoom (name: string, { host, port, token, netOpts, nick, storage, join, open, stampBits }: RoomServeOptions, ctx: Context): Promise<number> {
  const { status, shutdown } = ctx
  const { room, network } = await roomOnline(name, { netOpts, nick, storage, join, open, stampBits }, ctx)
  const { RoomGateway } = await import('../serve/room-gateway.js')
  const creator = (await room.config())?.creator ?? null
  const search = new LocalSearch(searchDir(storage, room.key), room.key, roomSource(room), { room: true, isAdmin: (a) => a === creator, live: true })
  ctx.warnings.watch(search, 'search index')
  shutdown.add(STOP_WORK, () => search.close())
  await search.ready()
  const gateway = new RoomGateway({ room, network, host, port, token, nick, search })
  ctx.warnings.watch(gateway, 'gateway')
  ctx.warnings.watch(room, 'room')
  shutdown.add(STOP_SERVERS, () => gateway.close())
  await gateway.ready()
  await announceGateway(gateway, `room "${name}" ${toHex(room.key)}`, ctx)
  announceNetwork(network, status)
  await shutdown.stopped()
  return 0
}

// The tutorials' nodes: one command creates (--open) or joins (--join) and serves.
async function roomOnline (name: string, { netOpts, nick, storage, join, open, stampBits }: Omit<RoomServeOptions, 'host' | 'port' | 'token'>, ctx: Context): Promise<{ room: Room, network: Network }> {
  const { status, shutdown } = ctx
  const exists = (await listRooms(storage)).find(r => r.name === name)
  let room: Room
  if (open && exists === undefined) {
    room = await createRoom(storage, name, { nick, open, stampBits })
    status.info(`hyperfeed: created the open room "${name}" ${toHex(room.key)}; other nodes join with: hyperfeed serve --room ${name} --join ${toHex(room.key)}`)
  } else if (join !== null && exists?.summary.joined !== true) {
    const opened = await openRoomToJoin(storage, name, join)
    room = opened.room
    shutdown.add(STOP_STORAGE, () => room.close())
    const network = openNetwork(room.store, netOpts, ctx)
    await network.join(room)
    try {
      const how = { nick, timeout: JOIN_TIMEOUT, signal: shutdown.signal }
      const member = join.invite === null ? await room.joinOpen(how) : await room.join(join.invite, how)
      status.info(`hyperfeed: joined room ${toHex(room.key)} as ${member.nick} (${member.key})`)
    } catch (err) {
      if (opened.fresh && err instanceof HyperfeedError) shutdown.add(STOP_STORAGE + 1, () => discardRoom(storage, name))
      throw err
    }
    return { room, network }
  } else {
    room = await openRoom(storage, name)
    if (join !== null && toHex(join.roomKey) !== toHex(room.key)) {
      await room.close()
      throw roomNameTaken(name)
    }
  }
  shutdown.add(STOP_STORAGE, () => room.close())
  const network = openNetwork(room.store, netOpts, ctx)
  await network.join(room)
  return { room, network }
}

function envPort (env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name]
  if (v === undefined || v === '') return undefined
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw usage(`${name} must be a port number from 0 to 65535, not ${JSON.stringify(v)}`)
  return Number(v)
}
