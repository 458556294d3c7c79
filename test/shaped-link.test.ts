// Runs the benchmark's shaped-link section in quick mode so it cannot rot: two
// network namespaces joined by lossy-link, each profile's figures present with
// a number for hyperfeed and its raw reference, and the 5%-loss check passed
// (the section throws when a viewer misses, repeats or reorders an entry).
// Never a timing. Skipped only where the machine cannot make the link.
import test from 'brittle'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Figure } from '../scripts/bench/common.js'
import { linkUnavailable } from '../scripts/bench/shaped-link.js'

const BENCH = fileURLToPath(new URL('../scripts/bench.js', import.meta.url))
const PROFILES = ['lan', 'harsh']
// what each profile's figure names say
const EXPECTED = [
  /cold sync of 3k entries, start to exit/,
  /cold sync of 3k entries from a packed writer/,
  /live latency p50, 100 entries every 10 ms, .*\(raw: read stream\)$/,
  /live latency p99 \(raw: read stream\)$/,
  /live latency p50, packed writer/,
  /live latency p99, packed writer/,
  /live latency p50 \(raw: read stream \+ live download\(\) range\)/,
  /live latency p99 \(raw: read stream \+ live download\(\) range\)/
]

test('bench --quick --only shaped: every profile\'s figures beside raw Hypercore, every entry once and in order at 5% loss', { timeout: 240_000 }, async (t) => {
  const why = linkUnavailable()
  if (why !== null) return t.comment(`skipped: this machine cannot make a shaped link (${why})`)

  const out = path.join(await t.tmp(), 'bench.json')
  const child = spawn(process.execPath, [BENCH, '--quick', '--only', 'shaped', '--json', out], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGTERM') })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  t.is(code, 0, code === 0 ? 'the section exits 0' : 'bench failed: ' + stderr.slice(-2000))
  if (code !== 0) return
  const skipped = /shaped link section skipped: .*/.exec(stdout)
  if (skipped !== null) return t.comment(`skipped: ${skipped[0]}`)

  const { figures } = JSON.parse(fs.readFileSync(out, 'utf8')) as { figures: Figure[] }
  for (const profile of PROFILES) {
    for (const name of EXPECTED) {
      const f = figures.find(f => f.group === 'shaped' && f.name.startsWith(`${profile}: `) && name.test(f.name))
      if (!f) {
        t.fail(`no ${profile} figure matching ${name}`)
        continue
      }
      const ok = Number.isFinite(f.hyperfeed) && f.hyperfeed > 0 && f.reference !== null && Number.isFinite(f.reference) && f.reference > 0 && f.ratio !== null
      t.ok(ok, `${f.name}: ${f.hyperfeed} ${f.unit} vs ${f.reference} (${f.ratio?.toFixed(2)}x)`)
    }
  }
  t.is(figures.length, PROFILES.length * EXPECTED.length, 'nothing else, nothing missing')
  t.ok(/shaped harsh: .*5% loss.*: every hyperfeed viewer .* exactly once, in order/.test(stdout), 'the 5%-loss check is reported')
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter(l => /^hf[AB]-(\d+)-/.exec(l)?.[1] === String(child.pid))
  t.alike(left, [], 'its namespaces are gone')
})
