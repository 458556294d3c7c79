// Runs every test file with brittle-node, a few files at a time: most tests
// wait on real processes and timers, not on the CPU. Files that load the CPU on
// purpose (benchmarks, load tests) run alone at the end so they do not skew
// the timing assertions of others. Each file has a deadline: a hung test is
// killed and reported, never left to hang CI.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const TEST_DIR = fileURLToPath(new URL('../test/', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BRITTLE = fileURLToPath(new URL('../../node_modules/brittle/brittle-node.js', import.meta.url))
const CONCURRENCY = Number(process.env.HYPERFEED_TEST_JOBS ?? 3)
const FILE_DEADLINE = 6 * 60_000
// started first: they mostly wait, and are the longest
const LONG = ['shaped-link', 'quiet-feed', 'faults-crash', 'load']
// run one at a time after the rest: they use the CPU on purpose
const ALONE = ['bench-quick', 'load', 'fanout-live']
// these drive Debian's Chromium (never a browser a tool downloads)
const BROWSER = /browser/
const CHROMIUM = '/usr/bin/chromium'

interface Result { file: string, code: number | null, ms: number, output: string }

function run (file: string): Promise<Result> {
  const started = Date.now()
  return new Promise(resolve => {
    // brittle resolves test paths as globs, relative to where it runs
    const child = spawn(process.execPath, [BRITTLE, '--timeout', '180000', path.relative(ROOT, file)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d })
    child.stderr.on('data', (d: Buffer) => { output += d })
    const timer = setTimeout(() => {
      output += `\n# killed: ${path.basename(file)} ran past ${FILE_DEADLINE / 60000} minutes\n`
      child.kill('SIGKILL')
    }, FILE_DEADLINE)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ file, code, ms: Date.now() - started, output })
    })
  })
}

async function pool (files: string[], jobs: number, onDone: (r: Result) => void): Promise<void> {
  const queue = files.slice()
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) onDone(await run(file))
  }))
}

const name = (f: string) => path.basename(f, '.test.js')
const only = process.argv.slice(2)
const files = fs.readdirSync(TEST_DIR)
  .filter(f => f.endsWith('.test.js'))
  .map(f => path.join(TEST_DIR, f))
  .filter(f => only.length === 0 || only.some(o => name(f).includes(o)))
const rank = (f: string) => { const i = LONG.indexOf(name(f)); return i === -1 ? LONG.length : i }
const together = files.filter(f => !ALONE.includes(name(f))).sort((a, b) => rank(a) - rank(b))
const alone = files.filter(f => ALONE.includes(name(f)))

// The browser tests need Debian's chromium. On a fresh machine it is installed
// here with apt-get (as root, or through sudo without a password); when that is
// not possible the run fails saying what to do: a browser test never skips.
function ensureChromium (): void {
  if (fs.existsSync(CHROMIUM)) return
  const asRoot = process.getuid?.() === 0
  const sudo = !asRoot && spawnSync('sudo', ['-n', 'true']).status === 0
  if (!asRoot && !sudo) {
    console.log(`# the browser tests need Debian's chromium at ${CHROMIUM}: run 'sudo apt-get install chromium', then npm test again`)
    process.exit(1)
  }
  console.log('# installing Debian\'s chromium for the browser tests (apt-get install chromium)')
  const apt = (...args: string[]) => {
    const argv = sudo ? ['sudo', '-n', 'apt-get', ...args] : ['apt-get', ...args]
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    return r.status === 0
  }
  if (!apt('update') || !apt('install', '-y', 'chromium') || !fs.existsSync(CHROMIUM)) {
    console.log(`# could not install chromium with apt-get; install Debian's chromium (${CHROMIUM}) and run npm test again`)
    process.exit(1)
  }
}

if (files.some(f => BROWSER.test(name(f)))) ensureChromium()

const results: Result[] = []
const report = (r: Result) => {
  results.push(r)
  process.stdout.write(r.output.endsWith('\n') ? r.output : r.output + '\n')
  process.stdout.write(`# ${r.code === 0 ? 'passed' : 'FAILED'}: ${name(r.file)} in ${(r.ms / 1000).toFixed(1)} s\n\n`)
}

const started = Date.now()
await pool(together, CONCURRENCY, report)
await pool(alone, 1, report)

const failed = results.filter(r => r.code !== 0)
console.log(`# ${results.length - failed.length}/${results.length} test files passed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
for (const r of results.sort((a, b) => b.ms - a.ms)) console.log(`#   ${r.code === 0 ? 'ok  ' : 'FAIL'} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${name(r.file)}`)
process.exit(failed.length === 0 ? 0 : 1)
