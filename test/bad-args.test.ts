import { spawnSync } from 'node:child_process'
import test from 'brittle'
import { runCli, spawnCli } from './helpers/index.js'
import { testIf } from './helpers/skip.js'

const KEY = 'e'.repeat(64)

// [args, exit code, the one stderr line]
const TABLE: [string[], number, RegExp][] = [
  [[], 2, /^hyperfeed: missing command \(write, view, .*\); see hyperfeed --help$/],
  [['frobnicate'], 2, /^hyperfeed: unknown command "frobnicate" \(commands: /],
  [['view'], 2, /^hyperfeed: view needs the feed KEY/],
  [['view', 'not-a-key'], 2, /^hyperfeed: not a feed key: "not-a-key" \(expected 64 hex characters, a 52-character z32 key, or a hyperfeed: invite\)$/],
  [['view', KEY.slice(2)], 2, /^hyperfeed: not a feed key/],
  [['view', 'hyperfeed:abc:def'], 2, /^hyperfeed: not a feed key/],
  [['view', KEY, KEY], 2, /^hyperfeed: view: unexpected argument/],
  [['view', KEY, '--bogus'], 2, /^hyperfeed: view: unknown option --bogus$/],
  [['view', KEY, '-x'], 2, /^hyperfeed: view: unknown option -x$/],
  [['view', KEY, '--start'], 2, /^hyperfeed: view: --start needs a value$/],
  [['view', KEY, '--start', '-1'], 2, /^hyperfeed: view: --start needs a value \(to pass a value that starts with '-', write --start=VALUE\)$/],
  [['view', KEY, '--start=-1'], 2, /^hyperfeed: --start must be a whole number, not "-1"$/],
  [['view', KEY, '--start', 'ten'], 2, /^hyperfeed: --start must be a whole number, not "ten"$/],
  [['view', KEY, '--timeout', 'soon'], 2, /^hyperfeed: --timeout must be a number of seconds, not "soon"$/],
  [['view', KEY, '--json=yes'], 2, /^hyperfeed: view: --json does not take a value$/],
  [['view', KEY, '--bootstrap', 'nonsense'], 2, /^hyperfeed: bad bootstrap address "nonsense": expected HOST:PORT/],
  [['view', KEY, '--bootstrap', '127.0.0.1:99999'], 2, /^hyperfeed: bad bootstrap address "127.0.0.1:99999"/],
  [['view', KEY, '--bootstrap', '256.1.1.1:4000'], 2, /^hyperfeed: bad bootstrap address "256.1.1.1:4000"/],
  [['view', KEY, '--bootstrap', ':4000'], 2, /^hyperfeed: bad bootstrap address ":4000"/],
  [['view', KEY, '--bootstrap', ''], 2, /^hyperfeed: view: --bootstrap needs a value$/],
  [['view', KEY, '--bootstrap', 'no-such-host.invalid:4000'], 1, /^hyperfeed: cannot resolve bootstrap host "no-such-host.invalid"$/],
  [['view', KEY, '--host', 'example.com'], 2, /^hyperfeed: --host must be an IPv4 address, not "example.com"$/],
  [['view', KEY, '--ws-port', '70000'], 2, /^hyperfeed: --ws-port must be a whole number from 0 to 65535, not "70000"$/],
  [['view', KEY, '--max-peers', '0'], 2, /^hyperfeed: --max-peers must be a whole number from 1 to 1024, not "0"$/],
  [['view', KEY, '--peer', 'http://127.0.0.1:1'], 2, /^hyperfeed: not a WebSocket URL: "http:\/\/127.0.0.1:1"/],
  [['view', KEY, '--no-swarm'], 2, /^hyperfeed: --no-swarm leaves nothing to connect to/],
  [['write', '--name'], 2, /^hyperfeed: write: --name needs a value$/],
  [['write', '--name', '../etc'], 2, /^hyperfeed: invalid feed name "..\/etc": use 1-64 letters/],
  [['write', '--name', 'a'.repeat(65)], 2, /^hyperfeed: invalid feed name/],
  [['write', '--difficulty', '33'], 2, /^hyperfeed: --difficulty must be a whole number from 0 to 32, not "33"$/],
  [['write', 'stray'], 2, /^hyperfeed: write: unexpected argument "stray"$/],
  [['append'], 2, /^hyperfeed: append needs the TEXT of the entry$/],
  [['append', '--json', '[1]'], 1, /^hyperfeed: entry refused: an entry must be a JSON object, not an array$/],
  [['key', '--name', ''], 2, /^hyperfeed: key: --name needs a value$/],
  [['info'], 2, /^hyperfeed: info needs either a feed KEY or --name NAME$/],
  [['info', KEY, '--name', 'x'], 2, /^hyperfeed: info needs either a feed KEY or --name NAME$/],
  [['info', '--name', 'ghost'], 1, /^hyperfeed: no feed named "ghost" in /],
  [['mine'], 2, /^hyperfeed: mine needs DATA_JSON/],
  [['mine', '{oops'], 2, /^hyperfeed: block data must be JSON/],
  [['verify'], 2, /^hyperfeed: verify needs either a feed KEY or --name NAME$/],
  [['verify', '--name', 'ghost'], 1, /^hyperfeed: no feed named "ghost" in /],
  [['verify', KEY, '--min-difficulty', '99'], 2, /^hyperfeed: --min-difficulty must be a whole number from 0 to 32, not "99"$/],
  [['serve'], 2, /^hyperfeed: serve needs either a feed KEY \(read-only\), --name NAME \(this storage's own feed\) or --room NAME \(a room\)$/],
  [['serve', '--room', 'ghost'], 1, /^hyperfeed: no room named "ghost" in .* \(create one with: hyperfeed room create --name ghost/],
  [['room'], 2, /^hyperfeed: room needs a command \(room --help lists them\)$/],
  [['room', 'frob'], 2, /^hyperfeed: unknown room command "frob" \(room commands: create, join, chat, invite, invites, uninvite, info, remove, promote, demote, list, mine, chain\)$/],
  [['room', 'promote'], 2, /^hyperfeed: room promote needs MEMBER_KEY\[,MEMBER_KEY\.\.\.\] /],
  [['room', 'create', '--stamp-bits', '8'], 2, /^hyperfeed: --stamp-bits is for open rooms \(--open\)$/],
  [['serve', '--join', 'a'.repeat(64)], 2, /^hyperfeed: serve needs either a feed KEY/],
  [['room', 'join'], 2, /^hyperfeed: room join needs the INVITE/],
  [['room', 'join', 'hyperfeed-room:xyz'], 2, /^hyperfeed: not a room invite: "hyperfeed-room:xyz"/],
  [['room', 'chat', '--name', 'ghost'], 1, /^hyperfeed: no room named "ghost" in /],
  [['room', 'chat', '--name', '../x'], 2, /^hyperfeed: invalid room name "..\/x"/],
  [['room', 'create', '--difficulty', '33'], 2, /^hyperfeed: --difficulty must be a whole number from 0 to 32, not "33"$/],
  [['room', 'create', '--bogus'], 2, /^hyperfeed: room create: unknown option --bogus$/],
  [['room', 'mine'], 2, /^hyperfeed: room mine needs DATA_JSON/],
  [['room', 'remove', 'abc'], 2, /^hyperfeed: room remove needs the MEMBER_KEY/],
  [['room', 'invite', '--name', 'ghost'], 1, /^hyperfeed: no room named "ghost"/],
  [['serve', '--name', 'x', '--port', 'http'], 2, /^hyperfeed: --port must be a whole number from 0 to 65535, not "http"$/],
  [['serve', '--name', 'x', '--token', 'short'], 2, /^hyperfeed: --token must be at least 8 printable characters/],
  [['bootstrap', '--host', '0.0.0.0'], 2, /^hyperfeed: --host must be a concrete IPv4 address of this machine, not "0.0.0.0"$/],
  [['bootstrap', '--port', '0'], 2, /^hyperfeed: --port must be a whole number from 1 to 65535, not "0"$/],
  [['bootstrap', '--host', '10.255.255.1', '--port', '4001'], 1, /^hyperfeed: .*10\.255\.255\.1/]
]

test('bad arguments: one clear line and a non-zero exit each, never a stack trace', { timeout: 240_000 }, async (t) => {
  const storage = await t.tmp()
  for (const [args, code, line] of TABLE) {
    const r = await runCli(args, { storage })
    const label = `hyperfeed ${args.join(' ')}`
    if (r.code !== code || r.stderr.length !== 1 || !line.test(r.stderr[0]!) || /\n\s+at /.test(r.err)) {
      t.fail(`${label}: exit ${r.code}, stderr ${JSON.stringify(r.err)}`)
    } else {
      t.pass(`${label} -> ${code}: ${r.stderr[0]}`)
    }
  }
})

test('ports in use and storage held by another process are one line each too', async (t) => {
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage })
  const port = /:(\d+)$/.exec(await w.errLine('accepting WebSocket peers'))![1]!
  const busy = await runCli(['view', KEY, '--no-swarm', '--ws-port', port, '--ws-host', '127.0.0.1'], { storage: await t.tmp() })
  t.is(busy.code, 1)
  t.alike(busy.stderr, [`hyperfeed: --ws-port ${port} is already in use`])
  const locked = await runCli(['key', '--name', 'default'], { storage })
  t.is(locked.code, 0, 'key answers from the recorded key even while the writer runs')
  const appendLocked = await runCli(['append', 'x'], { storage })
  t.is(appendLocked.code, 1)
  t.ok(/is in use by another hyperfeed process; stop it or pass --storage DIR/.test(appendLocked.err))
})

// a read-only file system, in a private mount namespace so nothing else is touched
// (as root, or as any user inside a user namespace of its own)
const MOUNT_FLAGS = [['-m'], ['-r', '-m']].find(flags => spawnSync('unshare', [...flags, 'true']).status === 0)
const MOUNT_NS = MOUNT_FLAGS !== undefined ? null : 'no private mount namespace here (unshare -m needs root or unprivileged user namespaces)'

testIf(MOUNT_NS, 'storage on a read-only file system is one line too', {}, async (t) => {
  const dir = await t.tmp()
  const wrap = ['unshare', ...MOUNT_FLAGS!, 'sh', '-c', 'mount -t tmpfs -o ro tmpfs "$0" && exec "$@"', dir]
  for (const args of [['append', 'x'], ['view', KEY, '--no-swarm', '--ws-port', '0'], ['serve', '--name', 'x', '--port', '0']]) {
    const r = await runCli([...args, '--storage', dir + '/store'], { wrap })
    t.is(r.code, 1, args[0])
    t.alike(r.stderr, [`hyperfeed: cannot use storage ${dir}/store: read-only file system`])
  }
})
