// Runs every test file with brittle-node, a few files at a time: most tests
// wait on real processes and timers, not on the CPU. Files that load the CPU on
// purpose (benchmarks, load tests) run alone at the end so they do not skew
// the timing assertions of others. Each file has a deadline: a hung test is
// killed and reported, never left to hang CI. The summary lists every test a
// file skipped, with the reason; HYPERFEED_NO_SKIPS=1 (CI) fails the run on
// any skip but those of tests that run only when asked for.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Skip, countsIn, skipsIn } from './skips.js'

const TEST_DIR = fileURLToPath(new URL('../test/', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BRITTLE = fileURLToPath(new URL('../../node_modules/brittle/brittle-node.js', import.meta.url))
const CONCURRENCY = Number(process.env.HYPERFEED_TEST_JOBS ?? 3)
const FILE_DEADLINE = 6 * 60_000
// started first: they mostly wait, and are the longest
const LONG = ['quiet-feed', 'faults-crash']
// run one at a time after the rest: they use the CPU on purpose (benchmarks)
const ALONE = ['bench-quick', 'shaped-link', 'load', 'fanout-live']
// these drive Debian's Chromium, or the one HYPERFEED_CHROMIUM names (never a
// browser a tool downloads); without one they skip
const BROWSER = /browser/
const CHROMIUM = process.env.HYPERFEED_CHROMIUM || '/usr/bin/chromium'
const NO_SKIPS = process.env.HYPERFEED_NO_SKIPS === '1'

interface Result { file: string, code: number | null, ms: number, output: string, skips: Skip[] }

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
      resolve({ file, code, ms: Date.now() - started, output, skips: skipsIn(output) })
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

// The browser tests need a Chromium. Where Debian's is missing it is
// installed here with apt-get, as root or through sudo without a password;
// otherwise (a laptop) the browser tests skip, saying how to enable them.
function ensureChromium (): void {
  if (fs.existsSync(CHROMIUM)) return
  const asRoot = process.getuid?.() === 0
  const sudo = !asRoot && spawnSync('sudo', ['-n', 'true']).status === 0
  if (process.env.HYPERFEED_CHROMIUM || process.platform !== 'linux' || (!asRoot && !sudo) || spawnSync('apt-get', ['--version']).error !== undefined) {
    console.log(`# no Chromium at ${CHROMIUM}: the browser tests will be skipped (on Debian/Ubuntu: sudo apt-get install chromium)`)
    return
  }
  console.log('# installing Debian\'s chromium for the browser tests (apt-get install chromium)')
  const apt = (...args: string[]) => {
    const argv = sudo ? ['sudo', '-n', 'apt-get', ...args] : ['apt-get', ...args]
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    return r.status === 0
  }
  if (!apt('update') || !apt('install', '-y', 'chromium') || !fs.existsSync(CHROMIUM)) {
    console.log(`# could not install chromium with apt-get: the browser tests will be skipped`)
  }
}

if (files.some(f => BROWSER.test(name(f)))) ensureChromium()

const results: Result[] = []
const report = (r: Result) => {
  results.push(r)
  process.stdout.write(r.output.endsWith('\n') ? r.output : r.output + '\n')
  const skipped = r.skips.length > 0 ? ` (${r.skips.length} skipped)` : ''
  process.stdout.write(`# ${r.code === 0 ? 'passed' : 'FAILED'}: ${name(r.file)} in ${(r.ms / 1000).toFixed(1)} s${skipped}\n\n`)
}

const started = Date.now()
await pool(together, CONCURRENCY, report)
await pool(alone, 1, report)

const failed = results.filter(r => r.code !== 0)
console.log(`# ${results.length - failed.length}/${results.length} test files passed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
for (const r of results.sort((a, b) => b.ms - a.ms)) console.log(`#   ${r.code === 0 ? 'ok  ' : 'FAIL'} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${name(r.file)}`)

// a file that died (a timeout, a crash) failed at least the test it was running
const counts = results.map(r => {
  const c = countsIn(r.output)
  return { passed: c.passed, failed: Math.max(c.failed, r.code === 0 ? 0 : 1) }
}).reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed }), { passed: 0, failed: 0 })
const skips = results.flatMap(r => r.skips.map(s => ({ ...s, file: name(r.file) })))
console.log(`# tests: ${counts.passed} passed, ${counts.failed} failed, ${skips.length} skipped`)
if (skips.length > 0) {
  console.log(`# skipped (${skips.length}), and why:`)
  for (const s of skips) console.log(`#   ${s.file}: ${s.name}\n#       ${s.reason}`)
}
const forbidden = NO_SKIPS ? skips.filter(s => !s.optIn) : []
if (forbidden.length > 0) console.log(`# FAILED: HYPERFEED_NO_SKIPS=1 and ${forbidden.length} test${forbidden.length === 1 ? ' was' : 's were'} skipped (${[...new Set(forbidden.map(s => s.file))].join(', ')}): this machine must run them all`)
process.exit(failed.length === 0 && forbidden.length === 0 ? 0 : 1)
