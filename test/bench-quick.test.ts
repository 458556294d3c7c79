// Runs `npm run bench -- --quick` so the benchmark cannot rot. It asserts that
// the run completes and reports every comparison the issue asks for, with a
// number for hyperfeed and its reference; never a timing (this machine's speed
// is not the suite's business).
import test from 'brittle'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Figure } from '../scripts/bench/common.js'

const BENCH = fileURLToPath(new URL('../scripts/bench.js', import.meta.url))

// every comparison, by group: [what its name must say, whether it has a reference]
const EXPECTED: [string, RegExp, boolean][] = [
  ['ingest', /raw batched append/, true],
  ['ingest', /raw per-entry append/, true],
  ['cold sync', /entries\/s, start to exit/, true],
  ['cold sync', /connect/, true],
  ['cold sync', /transfer/, true],
  ['memory', /peak RSS at 2k/, true],
  ['memory', /peak RSS at 6k/, true],
  ['memory', /peak RSS at 20k/, true],
  ['memory', /RSS growth/, true],
  ['live', /latency p50/, true],
  ['live', /latency p99/, true],
  ['live', /latency max/, true],
  ['live', /latency p50, both writers fed lines on stdin/, true],
  ['live', /latency p99, both writers fed lines on stdin/, true],
  ['live', /start to first entry/, false],
  ['naive', /cold sync of 1k entries/, true],
  ['naive', /cold sync of 5k entries/, true],
  ['naive', /one more entry at 1k: time/, true],
  ['naive', /one more entry at 1k: bytes/, true],
  ['naive', /one more entry at 5k: time/, true],
  ['naive', /one more entry at 5k: bytes/, true],
  ['blocks', /mining/, true],
  ['blocks', /verify/, false],
  ['packed', /cold sync of a packed 5k-entry feed/, true],
  ['packed', /cold sync of a packed 20k-entry feed/, true],
  ['packed', /cold sync of a packed 50k-entry feed, process start/, false],
  ['packed', /entries\/s the viewer prints/, true],
  ['packed', /viewer done after the writer/, true],
  ['fan-out', /6 viewers: full delivery \(vs raw viewers meshed\)/, true],
  ['fan-out', /6 viewers: full delivery \(vs raw viewers connected to the writer alone\)/, true],
  ['fan-out', /6 viewers: viewer CPU per entry \(vs raw viewers meshed\)/, true],
  ['fan-out', /6 viewers: viewer CPU per entry \(vs raw viewers connected/, true],
  ['rooms', /room post latency p50/, true],
  ['rooms', /room post latency p99/, true],
  ['rooms', /join a room with 1k entries/, true],
  ['rooms', /convergence after two members posted/, false],
  ['rooms', /mined block on the main chain of 2 other members, p50/, false],
  ['rooms', /mined block on the main chain of 2 other members, p99/, false],
  ['rooms', /convergence after a 0.1k-block partition/, false],
  ['rooms', /one more block at chain length 1k/, true],
  ['rooms', /one more block at chain length 5k/, true],
  ['rooms', /sealing a chat post and opening it/, false],
  ['rooms', /a removal: the remover's command to every one of 1 other remaining members holding the new epoch key/, false],
  ['rooms', /a removal's entry with the new epoch sealed to 2 members/, false],
  ['rooms', /sealed post to readable on 2 members .*p50 before a removal/, false],
  ['rooms', /sealed post to readable on 1 members, p50 after the removal/, true],
  ['search', /index 5,000 entries from the feed on disk/, false],
  ['search', /one word: p50/, true],
  ['search', /one word: p95/, true],
  ['search', /a prefix \(2-4 letters\): p50/, true],
  ['search', /a prefix \(2-4 letters\): p95/, true],
  ['search', /two words of one message: p50/, true],
  ['search', /two words of one message: p95/, true],
  ['search', /two words: p50/, true],
  ['search', /two words: p95/, true],
  ['mirrors', /time to take in/, false],
  ['mirrors', /mirror RSS, idle/, false],
  ['mirrors', /mirror RSS with .* entries kept/, false],
  ['mirrors', /RSS per 100k entries kept/, false],
  ['mirrors', /disk per 100k entries kept/, true],
  ['mirrors', /from a mirror, writer offline/, true]
]

const positive = (n: number | null) => n !== null && Number.isFinite(n) && n > 0

// Why a figure is not one to report (null: it is).
function figureProblem (f: Figure, hasReference: boolean): string | null {
  if (!positive(f.hyperfeed)) return `hyperfeed's figure is ${f.hyperfeed}, not a positive number`
  if (!hasReference) return null
  if (!positive(f.reference)) return `its reference is ${f.reference}, not a positive number`
  if (!positive(f.ratio)) return `no ratio (${f.ratio})`
  return null
}

test('npm run bench -- --quick completes and reports every figure beside its reference', { timeout: 420_000 }, async (t) => {
  const out = path.join(await t.tmp(), 'bench.json')
  // the shaped-link section has a test of its own (test/shaped-link.test.ts)
  const child = spawn(process.execPath, [BENCH, '--quick', '--skip', 'shaped', '--json', out], { stdio: ['ignore', 'pipe', 'pipe'] })
  // also when brittle ends the process on a timeout, skipping teardowns
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM') }
  process.on('exit', stop)
  t.teardown(stop)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  t.is(code, 0, code === 0 ? 'the quick bench exits 0' : 'bench failed: ' + stderr.slice(-3000))
  if (code !== 0) return

  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as { quick: boolean, figures: Figure[] }
  t.is(result.quick, true)
  for (const [group, name, hasReference] of EXPECTED) {
    const f = result.figures.find(f => f.group === group && name.test(f.name))
    if (!f) {
      t.fail(`no ${group} figure matching ${name}`)
      continue
    }
    const why = figureProblem(f, hasReference)
    t.ok(why === null, `${f.name}: ${f.hyperfeed} ${f.unit}${hasReference ? ` vs ${f.reference} (${f.ratio === null ? '-' : f.ratio.toFixed(2) + 'x'})` : ''}${why === null ? '' : `: ${why}`}`)
  }
  t.is(result.figures.length, EXPECTED.length, 'nothing else, nothing missing')
  // the printed table carries every figure too
  for (const f of result.figures) t.ok(stdout.includes(`| ${f.name} |`), `table row: ${f.name}`)
})
