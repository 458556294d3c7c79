import type test from 'brittle'
import { type Cli, type SpawnOptions, runCli, spawnCli } from './cli.js'

export interface Member {
  storage: string
  nick: string
  cli: Cli | null
}

// `room create`: the room's key and first invite, and the running creator.
export async function createRoom (t: test.Assert, net: string[], { nick = 'alice', name = 'r', extra = [] as string[] } = {}) {
  const storage = await t.tmp()
  const cli = spawnCli(t, ['room', 'create', '--name', name, '--nick', nick, ...net, ...extra], { storage })
  const key = await cli.line(/^[0-9a-f]{64}$/)
  const invite = await cli.line(/^hyperfeed-room:/)
  await cli.line(`* ${nick} created the room`)
  return { key, invite, member: { storage, nick, cli } as Member }
}

// `room join`, waiting until the member sees its own join.
export async function joinRoom (t: test.Assert, invite: string, net: string[], { nick, name = 'r', storage, opts = {} }: { nick: string, name?: string, storage?: string, opts?: SpawnOptions }) {
  const dir = storage ?? await t.tmp()
  const cli = spawnCli(t, ['room', 'join', invite, '--name', name, '--nick', nick, ...net], { storage: dir, ...opts })
  await cli.errLine(/^hyperfeed: joined room /, { timeout: 30_000 })
  await cli.line(`* ${nick} joined`, { timeout: 30_000 })
  return { storage: dir, nick, cli } as Member
}

export function chatRoom (t: test.Assert, m: Member, net: string[], { name = 'r' } = {}): Cli {
  m.cli = spawnCli(t, ['room', 'chat', '--name', name, '--nick', m.nick, ...net], { storage: m.storage })
  return m.cli
}

export async function stop (m: Member): Promise<void> {
  if (m.cli === null) return
  const { code } = await m.cli.stop()
  m.cli = null
  if (code !== 0) throw new Error(`room member ${m.nick} exited ${code}`)
}

// `room chat --once --json` on a stopped member's storage.
export async function once (m: Member, net: string[], { name = 'r', timeout = 20 } = {}) {
  return runCli(['room', 'chat', '--name', name, '--once', '--json', '--timeout', String(timeout), ...net], { storage: m.storage, timeout: (timeout + 30) * 1000 })
}

export const texts = (lines: string[]) => lines.map(l => JSON.parse(l)).filter(e => e.value?.type === 'chat').map(e => e.value.text)
