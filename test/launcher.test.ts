import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import { spawnCli } from './helpers/index.js'

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
const PROC = fs.existsSync('/proc/self/task')

// Threads of a `write --no-swarm` process once it has printed its key (its
// storage open, so RocksDB's own threads are there too).
async function threads (t: test.Assert, env: Record<string, string | undefined>): Promise<number> {
  const cli = spawnCli(t, ['write', '--no-swarm'], { storage: await t.tmp(), env })
  await cli.line(/^[0-9a-f]{64}$/)
  const n = fs.readdirSync(`/proc/${cli.proc.pid}/task`).length
  await cli.stop()
  return n
}

// The same with the ESM entry run directly, as the bin was before it had a launcher.
async function threadsOfMain (t: test.Assert): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, HYPERFEED_STORAGE: await t.tmp() }
  delete env.UV_THREADPOOL_SIZE
  const child = spawn(process.execPath, [MAIN, 'write', '--no-swarm'], { env, stdio: ['pipe', 'pipe', 'ignore'] })
  t.teardown(() => { child.kill('SIGKILL') })
  await new Promise(resolve => child.stdout.once('data', resolve))
  const n = fs.readdirSync(`/proc/${child.pid}/task`).length
  child.kill('SIGTERM')
  await new Promise(resolve => child.once('close', resolve))
  return n
}

test('the bin runs libuv\'s thread pool with one thread, unless UV_THREADPOOL_SIZE says otherwise', { skip: !PROC }, async (t) => {
  const one = await threads(t, { UV_THREADPOOL_SIZE: undefined })
  const four = await threads(t, { UV_THREADPOOL_SIZE: '4' })
  t.is(four - one, 3, `${one} threads by default, ${four} with UV_THREADPOOL_SIZE=4`)
  // the control: set inside the ESM entry, the variable came too late
  const late = await threadsOfMain(t)
  t.is(late, four, `main.js run directly keeps the default pool of four (${late} threads)`)
})

test('the bin reports a broken install as one line', async (t) => {
  const dir = await t.tmp()
  const bin = fileURLToPath(new URL('../src/cli/bin.cjs', import.meta.url))
  fs.copyFileSync(bin, `${dir}/bin.cjs`)
  const child = spawn(process.execPath, [`${dir}/bin.cjs`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
  const code = await new Promise(resolve => child.on('close', resolve))
  t.is(code, 1)
  t.is(err.trim().split('\n').length, 1, err)
  t.ok(err.startsWith('hyperfeed: '), err)
})
