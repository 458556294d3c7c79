import { command, description, flag, summary } from 'paparam'
import { bool, int, networkFlags, networkOptions, storageFlags, str } from './args.js'
import { define } from './command.js'
import { announceNetwork, defaultNick, followFlags, holdIdentity, mirrorKeys, openNetwork, readStdin, selfCommand, storageDir, useMirrors } from './common.js'
import { LineBuffer } from './output.js'
import { STOP_STORAGE, STOP_WORK } from './shutdown.js'
import { DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../chain/block.js'
import { BlockWriter } from '../feed/block-writer.js'
import { parseBlockData } from '../chain/mine.js'
import { openFeed } from '../feed/open.js'
import { LineInput } from '../input.js'
import { resolveNetworkOptions } from '../network/options.js'
import { toHex, toZ32 } from '../keys.js'
import { feedMessage, messageCommands } from './message-commands.js'

export default define(command('write',
  summary('create or reopen a feed and append each line of stdin'),
  description(`Creates or reopens the feed NAME (default "default"), prints its key as the first
line of stdout, and appends each line of stdin: as a chat entry from NICK, or with
--json as an entry object. Lines starting with / are commands (// sends a literal /):
/block DATA_JSON mines the next block (on a worker thread) and appends it;
/edit N text, /delete N, /react N 👍 and /reply N text refer to message N
(the number view shows beside it).
After stdin ends it keeps serving peers until Ctrl-C (SIGINT) or SIGTERM.`),
  flag('--name <name>', 'feed name in this storage (default: default)'),
  flag('--nick <nick>', 'chat nick (default: your user name)'),
  flag('--json', 'each line is a JSON entry object with a string "type"'),
  flag('--ack', 'print "ok SEQ" on stdout once a line is on disk ("err REASON" if refused)'),
  flag('--difficulty <d>', `proof of work for /block (default ${DEFAULT_DIFFICULTY})`),
  flag('--encrypt', 'create NAME as a private feed: entries are encrypted, reading them takes the invite printed on stderr'),
  flag('--mirror <key>', 'ask this mirror (hyperfeed mirror, a blind peer) to keep the feed whenever this writer is online; remembered; repeatable (env HYPERFEED_MIRRORS, comma-separated)').multiple(),
  flag('--pack', 'store lines that arrive together in one block (up to 1,024 entries or 256 KiB): much faster to replicate; viewers unpack them'),
  ...storageFlags(),
  ...networkFlags()
), async (p, ctx) => {
  const name = str(p, 'name') ?? 'default'
  const nick = str(p, 'nick') ?? defaultNick()
  const ack = bool(p, 'ack')
  const difficulty = int(p, 'difficulty', { min: 0, max: MAX_DIFFICULTY }) ?? DEFAULT_DIFFICULTY
  const netOpts = resolveNetworkOptions(networkOptions(p), ctx.env)
  const mirrors = mirrorKeys(p, ctx.env, { fromEnv: true })
  const { status, stdout, shutdown } = ctx

  const root = storageDir(p, ctx)
  const { feed } = await openFeed({ storage: root, name }, { access: 'write', encrypt: bool(p, 'encrypt'), pack: bool(p, 'pack') ? {} : null })
  shutdown.add(STOP_STORAGE, () => feed.close())
  const identity = await holdIdentity(root, ctx)
  const network = openNetwork(feed.store, { ...netOpts, identity }, ctx)
  const blocks = new BlockWriter(feed, { difficulty })

  await stdout.line(toHex(feed.key))
  await network.join(feed)
  status.info(`hyperfeed: writing feed "${name}" (${feed.length} entries${feed.packed ? ', packed' : ''}) in ${feed.store.dir}`)
  status.info(`key (z32): ${toZ32(feed.key)}`)
  const invite = feed.invite
  if (invite !== null) status.info(`private feed: entries are encrypted; share this invite, not just the key: ${invite}`)
  status.info(`follow it with: ${selfCommand(ctx.env)} view ${invite ?? toHex(feed.key)}${followFlags(netOpts, network.wsPort)}`)
  announceNetwork(network, status)
  await useMirrors(feed, network, mirrors, true, root, identity, ctx)
  if (status.tty) {
    network.on('connection', () => status.info(`peer connected (${network.connections} online)`))
    network.on('disconnection', () => status.info(`peer left (${network.connections} online)`))
  }

  // acknowledgements of one batch go out in one write, in input order
  const acks = new LineBuffer(stdout)
  const input = new LineInput(feed, {
    nick,
    json: bool(p, 'json'),
    commands: {
      block: async (args) => {
        const mined = await blocks.mine(parseBlockData(args), {
          onTemplate: (t) => status.info(`mining block #${t.height} at difficulty ${t.difficulty}...`)
        })
        status.info(`mined block #${mined.block.height} ${mined.block.hash.slice(0, 12)} in ${(mined.ms / 1000).toFixed(2)} s (${mined.hashes} hashes)`)
        if (ack) acks.push(`ok ${mined.seq}`)
        return []
      },
      ...messageCommands({ nick, find: feedMessage((seq) => feed.get(seq, { wait: false })), mayEdit: () => true, mayDelete: () => true })
    },
    onReject: (err) => {
      status.info(`hyperfeed: ${err.message}`)
      if (ack) acks.push(`err ${err.message}`)
    },
    onAppend: ack ? (seq) => { acks.push(`ok ${seq}`) } : undefined
  })

  // On a signal: stop reading, abandon a block being mined (never half
  // appended), and finish the appends of complete lines already read.
  shutdown.add(STOP_WORK, async () => {
    process.stdin.destroy()
    await blocks.close()
    await input.idle()
  })
  if (await readStdin(input, shutdown)) {
    status.info(`input ended; still serving ${feed.length} entries to peers until Ctrl-C`)
    await shutdown.stopped()
  }
  return 0
})
