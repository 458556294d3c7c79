import { spawn, spawnSync } from 'node:child_process'
import type test from 'brittle'

// A private network namespace with its own loopback, so a test can use fixed
// ports (the --local bootstrap port) whatever else runs on this machine.
// Returns the command prefix that runs a program inside it, or null when this
// machine cannot make one (not root, no unshare/nsenter).
export async function privateNetwork (t: test.Assert): Promise<string[] | null> {
  const probe = spawnSync('unshare', ['-n', 'true'])
  if (probe.status !== 0 || spawnSync('nsenter', ['--version']).status !== 0) return null
  const holder = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && echo up && exec sleep 3600'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { holder.kill('SIGKILL') }, { order: 2 })
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve())
    holder.once('exit', code => reject(new Error(`could not set up a network namespace (exit ${code})`)))
  })
  return ['nsenter', `--net=/proc/${holder.pid}/ns/net`]
}
