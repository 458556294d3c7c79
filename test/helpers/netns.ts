import { spawn, spawnSync } from 'node:child_process'
import type test from 'brittle'

// How this machine makes a private network namespace: as root, or as any user
// inside a user namespace of its own (where the kernel allows that); null when
// it cannot.
let flagsFound: string[] | null | undefined
function unshareFlags (): string[] | null {
  flagsFound ??= [['-n'], ['-r', '-n']].find(flags => spawnSync('unshare', [...flags, 'ip', 'link', 'set', 'lo', 'up']).status === 0) ?? null
  return flagsFound
}

// Why this machine cannot make a private network namespace (null: it can).
export function privateNetworkMissing (): string | null {
  if (unshareFlags() === null) return 'no private network namespace here (unshare -n needs root or unprivileged user namespaces; and ip from iproute2)'
  if (spawnSync('nsenter', ['--version']).status !== 0) return 'no nsenter (util-linux)'
  return null
}

// Why this machine cannot make namespaces joined on a bridge (null: it can).
export function lanHostsMissing (): string | null {
  if (process.getuid?.() !== 0) return 'no network namespaces on a bridge here (ip netns needs root)'
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'no `ip netns` (iproute2)'
  return null
}

// A private network namespace with its own loopback, so a test can use fixed
// ports (the --local bootstrap port) whatever else runs on this machine.
// Returns the command prefix that runs a program inside it. Check
// privateNetworkMissing() first: here a failure is a failure.
export async function privateNetwork (t: test.Assert): Promise<string[]> {
  const flags = unshareFlags()
  if (flags === null) throw new Error('cannot make a private network namespace here')
  const holder = spawn('unshare', [...flags, 'sh', '-c', 'ip link set lo up && echo up && exec sleep 3600'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { holder.kill('SIGKILL') }, { order: 2 })
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve())
    holder.once('exit', code => reject(new Error(`could not set up a network namespace (exit ${code})`)))
  })
  const user = flags.includes('-r') ? [`--user=/proc/${holder.pid}/ns/user`, '--preserve-credentials'] : []
  return ['nsenter', ...user, `--net=/proc/${holder.pid}/ns/net`]
}

export interface LanHost {
  // the namespace's name, its address on the shared link, and the command prefix that runs a program in it
  name: string
  address: string
  wrap: string[]
}

const made = new Set<string>()
let runs = 0
process.on('exit', () => {
  for (const ns of made) spawnSync('ip', ['netns', 'del', ns])
})

function ip (...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`)
}

// `count` network namespaces of this test's own on one link: a bridge in a
// namespace of its own, and a veth pair from it to each (eth0, 10.77.0.N/24,
// no default route). Multicast sent in them reaches the others and nothing
// else; the machine's own interfaces are never touched. Check lanHostsMissing()
// first: here a failure is a failure.
export function lanHosts (t: test.Assert, count: number): LanHost[] {
  const prefix = `hf${process.pid}r${runs++}`
  const bridge = `${prefix}br`
  const names = Array.from({ length: count }, (_, i) => `${prefix}h${i + 1}`)
  t.teardown(() => {
    for (const ns of [...names, bridge]) {
      if (made.delete(ns)) spawnSync('ip', ['netns', 'del', ns])
    }
  }, { order: 2 })
  for (const ns of [bridge, ...names]) {
    ip('netns', 'add', ns)
    made.add(ns)
  }
  ip('-n', bridge, 'link', 'add', 'br0', 'type', 'bridge')
  ip('-n', bridge, 'link', 'set', 'br0', 'up')
  return names.map((ns, i) => {
    const address = `10.77.0.${i + 1}`
    ip('-n', bridge, 'link', 'add', `p${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
    ip('-n', bridge, 'link', 'set', `p${i + 1}`, 'master', 'br0', 'up')
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0')
    ip('-n', ns, 'link', 'set', 'eth0', 'up')
    return { name: ns, address, wrap: ['ip', 'netns', 'exec', ns] }
  })
}
