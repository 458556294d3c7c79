// Looks for live viewers that stop short (issue 19): runs N `hyperfeed view`
// processes against a live stock Hypercore writer, R times, and reports each
// viewer's final count and, for one that stops making progress, where it
// stopped and what its feed and swarm looked like (scripts/stall-probe.ts).
//
//   node dist/scripts/stall.js [--viewers 20] [--entries 5000] [--runs 5]
//     [--stock-first] [--stall 30] [--out DIR] [--view-args "..."]
//
// --stock-first runs the same number of stock viewers (meshed) first, on the
// same machine, as the bench does before its hyperfeed viewers.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BIN, RAW, type Proc, freeUdpPort, now, proc, procs, sleep, tmp } from './bench/common.js'

const PROBE = fileURLToPath(new URL('./stall-probe.js', import.meta.url))
const argv = process.argv.slice(2)
const opt = (name: string, def: string) => argv.includes(name) ? argv[argv.indexOf(name) + 1]! : def
const VIEWERS = Number(opt('--viewers', '20'))
const ENTRIES = Number(opt('--entries', '5000'))
const RUNS = Number(opt('--runs', '5'))
const STALL_MS = Number(opt('--stall', '30')) * 1000
const STOCK_FIRST = argv.includes('--stock-first')
const OUT = opt('--out', tmp('stall-out'))
const VIEW_ARGS = opt('--view-args', '').split(' ').filter(Boolean)
// a viewer idle this long (--hold, s) while others have everything has stopped for good
const HOLD_MS = Number(opt('--hold', '90')) * 1000
const DEADLINE = 400_000

// a stall: a viewer that went STALL_MS without output while another had everything;
// stopped: it never got everything (idle for HOLD_MS at the end)
interface RunResult { full: number | null, counts: number[], stalls: { viewer: number, at: number, final: number, stopped: boolean }[] }

async function stock (bootstrap: string): Promise<void> {
  const w = proc(RAW, ['burst', tmp('sw'), String(ENTRIES), bootstrap])
  const ready = await w.waitErr(o => o.ready === true, 30_000)
  const viewers = Array.from({ length: VIEWERS }, () => proc(RAW, ['follow', tmp('sv'), ready.key, bootstrap]))
  await Promise.all(viewers.map(v => v.waitErr(o => o.peer === true, 60_000)))
  w.child.stdin!.write('go\n')
  const deadline = now() + DEADLINE
  while (viewers.some(v => v.outLines < ENTRIES) && now() < deadline) await sleep(100)
  await Promise.all([...viewers, w].map(p => p.stop()))
}

async function once (run: number, bootstrap: string): Promise<RunResult> {
  const w = proc(RAW, ['burst', tmp('w'), String(ENTRIES), bootstrap])
  const ready = await w.waitErr(o => o.ready === true, 30_000)
  const viewers: Proc[] = []
  for (let i = 0; i < VIEWERS; i++) {
    viewers.push(proc('--import', [PROBE, BIN, 'view', ready.key, '--json', '--bootstrap', bootstrap, '--storage', tmp('v'), ...VIEW_ARGS], { HYPERFEED_DEBUG: '1' }))
  }
  // every viewer has a connection before the writer starts
  await Promise.all(viewers.map(v => v.waitErr(o => typeof o.line === 'string' && o.line.startsWith('probe ') && o.line.includes('"ev":"conn"'), 60_000)))
  await sleep(1000)
  const started = now()
  w.child.stdin!.write('go\n')
  const last = viewers.map(() => ({ count: 0, at: started }))
  const stalls: RunResult['stalls'] = []
  let full: number | null = null
  const deadline = started + DEADLINE
  while (now() < deadline) {
    await sleep(250)
    const t = now()
    viewers.forEach((v, i) => { if (v.outLines !== last[i]!.count) last[i] = { count: v.outLines, at: t } })
    if (viewers.every(v => v.outLines >= ENTRIES)) { full = t - started; break }
    const someoneDone = viewers.some(v => v.outLines >= ENTRIES)
    for (let i = 0; i < VIEWERS; i++) {
      const l = last[i]!
      if (l.count >= ENTRIES || !someoneDone || t - l.at < STALL_MS || stalls.some(s => s.viewer === i)) continue
      stalls.push({ viewer: i, at: l.count, final: l.count, stopped: false })
      console.error(`  run ${run}: viewer ${i} stalled at ${l.count}/${ENTRIES} (no output for ${Math.round((t - l.at) / 1000)} s); dumping`)
      viewers[i]!.child.kill('SIGUSR2')
      setTimeout(() => viewers[i]!.child.kill('SIGUSR2'), 5000).unref()
    }
    // every viewer still short has been idle for HOLD_MS: they stopped for good
    const short = last.filter(l => l.count < ENTRIES)
    if (someoneDone && short.every(l => t - l.at > HOLD_MS)) {
      for (const i of viewers.keys()) if (last[i]!.count < ENTRIES) viewers[i]!.child.kill('SIGUSR2')
      await sleep(2000)
      break
    }
  }
  for (const s of stalls) {
    s.final = viewers[s.viewer]!.outLines
    s.stopped = s.final < ENTRIES
  }
  const counts = viewers.map(v => v.outLines)
  const dir = path.join(OUT, `run-${run}`)
  fs.mkdirSync(dir, { recursive: true })
  viewers.forEach((v, i) => fs.writeFileSync(path.join(dir, `viewer-${i}.log`), v.status.map(o => o.line ?? JSON.stringify(o)).join('\n') + '\n'))
  fs.writeFileSync(path.join(dir, 'writer.log'), w.status.map(o => JSON.stringify(o)).join('\n') + '\n')
  await Promise.all([...viewers, w].map(p => p.stop()))
  return { full, counts, stalls }
}

async function main (): Promise<void> {
  console.error(`stall: ${RUNS} runs of ${VIEWERS} viewers x ${ENTRIES} entries, stall = ${STALL_MS / 1000} s without output${STOCK_FIRST ? ', stock viewers first' : ''}; logs in ${OUT}`)
  const results: RunResult[] = []
  let errors = 0
  for (let run = 0; run < RUNS; run++) {
    let r: RunResult
    try {
      const port = await freeUdpPort()
      const boot = proc(BIN, ['bootstrap', '--host', '127.0.0.1', '--port', String(port)])
      const bootstrap = await boot.waitLine(l => /^127\.0\.0\.1:\d+$/.test(l), 60_000)
      if (STOCK_FIRST) await stock(bootstrap)
      r = await once(run, bootstrap)
      await boot.stop()
    } catch (err) {
      // a run that could not start (the machine too loaded) is left out, and said so
      console.error(`  run ${run}: did not run: ${String(err)}`)
      for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
      errors++
      continue
    }
    results.push(r)
    const short = r.counts.filter(c => c < ENTRIES)
    console.error(`  run ${run}: ${r.full === null ? 'NOT complete' : `full delivery ${(r.full / 1000).toFixed(1)} s`}; ${short.length} short ${JSON.stringify(short)}; stalls ${JSON.stringify(r.stalls)}`)
    for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  }
  const stalled = results.filter(r => r.stalls.length > 0).length
  const runs = results.length
  const stopped = results.filter(r => r.stalls.some(s => s.stopped)).length
  const fulls = results.flatMap(r => r.full === null ? [] : [r.full / 1000]).sort((a, b) => a - b)
  console.log(JSON.stringify({ runs, notRun: errors, viewers: VIEWERS, entries: ENTRIES, stockFirst: STOCK_FIRST, runsWithStall: stalled, runsWithViewerStopped: stopped, stalls: results.flatMap((r, run) => r.stalls.map(s => ({ run, ...s }))), fullDelivery: fulls.map(f => Number(f.toFixed(1))) }))
}

main().then(() => process.exit(0), err => {
  console.error(err)
  process.exit(1)
})
