import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import test from 'brittle'

// The README's first command must keep working.
test('the demo runs a bootstrap node, a writer and a viewer, then a room of two, and exits 0', { timeout: 90_000 }, async (t) => {
  const script = fileURLToPath(new URL('../scripts/demo.js', import.meta.url))
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const code = await new Promise(resolve => child.on('close', resolve))
  t.is(code, 0, code === 0 ? 'exit 0' : `exit ${code}: ${out.slice(-1500)}`)
  t.ok(/demo: 5\/5 lines arrived in order/.test(out), 'every line arrived in order')
  t.ok(/demo: the room's 6 entries are the same, in the same order, on alice and bob/.test(out), 'the room converged')
  t.ok(out.includes('exit codes viewer=0 bob=0 alice=0 writer=0 bootstrap=0'))
})
