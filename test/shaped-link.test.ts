// The shaped link the benchmark ships (scripts/bench/shaped-link.ts: tc netem,
// or link-shaper.py where the kernel has no netem) does what its profile says,
// and the benchmark's shaped section runs on it in quick mode so it cannot rot:
// each profile's figures present with a number for hyperfeed and its raw
// reference, and the 5%-loss check passed (the section throws when a viewer
// misses, repeats or reorders an entry). Never a timing of hyperfeed. Skipped,
// saying why, only where the machine cannot make the link.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Figure } from '../scripts/bench/common.js'
import { ADDR_A, ADDR_B, ShapedLink, linkUnavailable } from '../scripts/bench/shaped-link.js'
import { testIf } from './helpers/skip.js'

const BENCH = fileURLToPath(new URL('../scripts/bench.js', import.meta.url))
const NO_LINK = linkUnavailable()
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

// Runs `script` with node in a namespace; resolves with its stdout once it
// prints a line (a server: `ready`) or exits.
function inNamespace (ns: string, script: string, args: string[]) {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
  const exited = new Promise<string>((resolve, reject) => child.on('close', code => code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))))
  exited.catch(() => {}) // a server is killed at the end
  const ready = new Promise<void>(resolve => child.stdout.on('data', () => { if (out.includes('ready\n')) resolve() }))
  return { child, exited, ready }
}

const ECHO = `
const s = require('node:dgram').createSocket('udp4')
s.on('message', (m, r) => s.send(m, r.port, r.address))
s.bind(Number(process.argv[2]), process.argv[1], () => console.log('ready'))
`

// 200 small probes 10 ms apart (round trips, losses), then a burst of 40
// packets of 1200 bytes at once (how long the echoes take to come back
// through the rate limit, both ways).
const PROBE = `
const s = require('node:dgram').createSocket('udp4')
const [host, port, from] = process.argv.slice(1)
const sentAt = []
const rtts = []
const burst = []
s.on('message', m => {
  if (m[0] === 0) rtts.push(performance.now() - sentAt[m.readUInt32BE(1)])
  else burst.push(performance.now())
})
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
s.bind(0, from, async () => {
  for (let i = 0; i < 200; i++) {
    const m = Buffer.alloc(64)
    m.writeUInt32BE(i, 1)
    sentAt[i] = performance.now()
    s.send(m, Number(port), host)
    await sleep(10)
  }
  await sleep(1000)
  const started = performance.now()
  for (let i = 0; i < 40; i++) s.send(Buffer.alloc(1200, 1), Number(port), host)
  await sleep(3000)
  rtts.sort((a, b) => a - b)
  console.log(JSON.stringify({ probes: rtts.length, median: rtts[rtts.length >> 1], min: rtts[0], burst: burst.length, spread: burst.length ? burst[burst.length - 1] - burst[0] : 0, first: burst.length ? burst[0] - started : 0 }))
  s.close()
})
`

testIf(NO_LINK, 'the shipped link shapes: round trips take twice the delay, packets are lost at the profile\'s rate, a burst is spread by the rate limit', { timeout: 60_000 }, async (t) => {
  const link = await ShapedLink.open({ name: 'check', delayMs: 40, jitterMs: 0, loss: 0.2, rateMbit: 1 })
  t.teardown(() => link.close(), { order: 1 })
  t.comment(`shaped by ${link.method}`)
  const echo = inNamespace(link.b, ECHO, [ADDR_B, '7000'])
  t.teardown(() => { echo.child.kill('SIGKILL') })
  await echo.ready
  const probe = inNamespace(link.a, PROBE, [ADDR_B, '7000', ADDR_A])
  const r = JSON.parse(await probe.exited) as { probes: number, median: number, min: number, burst: number, spread: number, first: number }
  t.comment(JSON.stringify(r))
  // 40 ms each way: at least 80 ms a round trip, and not much more on an idle link
  t.ok(r.min >= 78 && r.median < 200, `round trips: min ${r.min.toFixed(1)} ms, median ${r.median.toFixed(1)} ms (40 ms each way)`)
  // 20% each way: 64% of round trips come back (±5 standard deviations: 45%..80%)
  t.ok(r.probes >= 90 && r.probes <= 160, `${r.probes} of 200 probes came back (expected about 128)`)
  // 1200 bytes at 1 Mbit/s is 9.6 ms on the wire, each way: the echoes of 40 come back over ~400 ms, not at once
  t.ok(r.burst >= 10 && r.spread >= 200, `a burst of 40 packets: ${r.burst} echoes back over ${r.spread.toFixed(0)} ms`)
  echo.child.kill('SIGTERM')
  const counts = await link.close()
  t.ok(/(forwarded|sent) \d+, dropped \d+/.test(counts), `the link's counts: ${counts}`)
})

testIf(NO_LINK, 'bench --quick --only shaped: every profile\'s figures beside raw Hypercore, every entry once and in order at 5% loss', { timeout: 340_000 }, async (t) => {
  const out = path.join(await t.tmp(), 'bench.json')
  const child = spawn(process.execPath, [BENCH, '--quick', '--only', 'shaped', '--json', out], { stdio: ['ignore', 'pipe', 'pipe'] })
  // also when brittle ends the process on a timeout, skipping teardowns: the
  // bench takes its namespaces down on SIGTERM
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM') }
  process.on('exit', stop)
  t.teardown(stop)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  t.is(code, 0, code === 0 ? 'the section exits 0' : 'bench failed: ' + stderr.slice(-2000))
  if (code !== 0) return
  t.absent(/shaped link section skipped: .*/.exec(stdout)?.[0], 'the section ran (this machine can make the link)')

  const { figures } = JSON.parse(fs.readFileSync(out, 'utf8')) as { figures: Figure[] }
  for (const profile of PROFILES) {
    for (const name of EXPECTED) {
      const f = figures.find(f => f.group === 'shaped' && f.name.startsWith(`${profile}: `) && name.test(f.name))
      if (!f) {
        t.fail(`no ${profile} figure matching ${name}`)
        continue
      }
      const ok = Number.isFinite(f.hyperfeed) && f.hyperfeed > 0 && f.reference !== null && Number.isFinite(f.reference) && f.reference > 0 && f.ratio !== null
      t.ok(ok, `${f.name}: ${f.hyperfeed} ${f.unit} vs ${f.reference} (${f.ratio === null ? '-' : f.ratio.toFixed(2) + 'x'})`)
    }
  }
  t.is(figures.length, PROFILES.length * EXPECTED.length, 'nothing else, nothing missing')
  t.ok(/shaped harsh: .*5% loss.*: every hyperfeed viewer .* exactly once, in order/.test(stdout), 'the 5%-loss check is reported')
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter(l => /^hf[AB]-(\d+)-/.exec(l)?.[1] === String(child.pid))
  t.alike(left, [], 'its namespaces are gone')
})
