// Fan-out: one writer, many viewers following live, each viewer in a process
// of its own: hyperfeed viewers beside raw Hypercore viewers that mesh (join as
// server and client, as the README shows) and raw viewers that connect to the
// writer alone (client only).
import fs from 'node:fs'
import { BIN, QUICK, RAW, type Proc, figure, now, proc, sleep, tmp } from './common.js'

// FANOUT_VIEWERS=N,M picks the viewer counts (for trying one size)
const SIZES = { ...(QUICK ? { viewers: [6], entries: 1000 } : { viewers: [20, 50], entries: 5000 }), ...(process.env.FANOUT_VIEWERS ? { viewers: process.env.FANOUT_VIEWERS.split(',').map(Number) } : {}) }
const CLK_TCK = 100

// CPU seconds a process has used (user + system), from /proc.
function cpuSeconds (p: Proc): number {
  try {
    const fields = fs.readFileSync(`/proc/${p.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return NaN
  }
}

interface Run { full: number, cpuPerEntry: number }

// Followers that print one line per entry: waits until each has printed `n`.
async function delivered (viewers: Proc[], n: number, started: number, timeout: number): Promise<number> {
  const deadline = started + timeout
  while (viewers.some(v => v.outLines < n) && now() < deadline) await sleep(25)
  const short = viewers.filter(v => v.outLines < n)
  if (short.length > 0) throw new Error(`fan-out: ${short.length} viewers short (${short.map(v => v.outLines).join(', ')} of ${n})`)
  return now() - started
}

async function hyperfeed (count: number, bootstrap: string): Promise<Run> {
  const w = proc(BIN, ['write', '--json', '--bootstrap', bootstrap, '--storage', tmp('fw')])
  const key = await w.waitLine(l => /^[0-9a-f]{64}$/.test(l), 30_000)
  w.child.stdin!.write(JSON.stringify({ type: 'start' }) + '\n')
  const viewers: Proc[] = []
  // FANOUT_PROFILE=DIR: the first viewer writes a CPU profile there
  for (let i = 0; i < count; i++) {
    // FANOUT_VIEW_ARGS: more flags for the hyperfeed viewers (for trying settings)
    const argv = ['view', key, '--json', '--bootstrap', bootstrap, '--storage', tmp('fv'), ...(process.env.FANOUT_VIEW_ARGS?.split(' ').filter(Boolean) ?? [])]
    viewers.push(process.env.FANOUT_PROFILE && i === 0 ? proc('--cpu-prof', [`--cpu-prof-dir=${process.env.FANOUT_PROFILE}`, BIN, ...argv]) : proc(BIN, argv))
  }
  const deadline = now() + 120_000
  while (viewers.some(v => v.outLines < 1)) {
    if (now() > deadline || viewers.some(v => v.child.exitCode !== null)) throw new Error('fan-out: a viewer did not start')
    await sleep(50)
  }
  const cpu0 = viewers.map(cpuSeconds)
  const started = now()
  for (let i = 0; i < SIZES.entries; i += 50) {
    w.child.stdin!.write(Array.from({ length: 50 }, (_, j) => JSON.stringify({ type: 'n', i: i + j, sent: Date.now() })).join('\n') + '\n')
    await sleep(10)
  }
  const full = await delivered(viewers, SIZES.entries + 1, started, 600_000)
  const cpu = viewers.reduce((sum, v, i) => sum + cpuSeconds(v) - cpu0[i]!, 0) / count
  await Promise.all([...viewers, w].map(p => p.stop()))
  return { full, cpuPerEntry: cpu / SIZES.entries * 1e6 }
}

async function raw (count: number, bootstrap: string, mode: 'follow' | 'follow-client'): Promise<Run> {
  const w = proc(RAW, ['burst', tmp('rw'), String(SIZES.entries), bootstrap])
  const ready = await w.waitErr(o => o.ready === true, 30_000)
  const viewers: Proc[] = []
  for (let i = 0; i < count; i++) viewers.push(proc(RAW, [mode, tmp('rv'), ready.key, bootstrap]))
  await Promise.all(viewers.map(v => v.waitErr(o => o.peer === true, 60_000)))
  await sleep(1000) // the mesh forms
  const cpu0 = viewers.map(cpuSeconds)
  const started = now()
  w.child.stdin!.write('go\n')
  const full = await delivered(viewers, SIZES.entries, started, 600_000)
  const cpu = viewers.reduce((sum, v, i) => sum + cpuSeconds(v) - cpu0[i]!, 0) / count
  await Promise.all([...viewers, w].map(p => p.stop()))
  return { full, cpuPerEntry: cpu / SIZES.entries * 1e6 }
}

export async function fanout (bootstrap: string): Promise<void> {
  for (const count of SIZES.viewers) {
    console.error(`\n13. fan-out: ${count} viewers follow one writer, ${SIZES.entries} entries at 5,000/s`)
    const hf = await hyperfeed(count, bootstrap)
    // FANOUT_ONLY_HYPERFEED=1: skip the raw references (for trying settings)
    if (process.env.FANOUT_ONLY_HYPERFEED) {
      console.error(`  hyperfeed: full delivery ${Math.round(hf.full)} ms, viewer CPU ${Math.round(hf.cpuPerEntry)} µs per entry`)
      continue
    }
    const meshed = await raw(count, bootstrap, 'follow')
    const direct = await raw(count, bootstrap, 'follow-client')
    figure('fan-out', `${count} viewers: full delivery (vs raw viewers meshed)`, 'ms', hf.full, meshed.full, 'raw meshed', false, { ratio: 1.5 })
    figure('fan-out', `${count} viewers: full delivery (vs raw viewers connected to the writer alone)`, 'ms', hf.full, direct.full, 'raw writer-only', false)
    figure('fan-out', `${count} viewers: viewer CPU per entry (vs raw viewers meshed)`, 'µs', hf.cpuPerEntry, meshed.cpuPerEntry, 'raw meshed', false, { ratio: 1 })
    figure('fan-out', `${count} viewers: viewer CPU per entry (vs raw viewers connected to the writer alone)`, 'µs', hf.cpuPerEntry, direct.cpuPerEntry, 'raw writer-only', false)
  }
}
