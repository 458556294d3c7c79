// The README's demo: a bootstrap node, a writer and a viewer as three real
// processes on this machine, chat lines typed into the writer showing up live in
// the viewer, then a clean shutdown. Exits 0 when every line arrived in order.
import { spawn, type ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
const LINES = ['hi, this is alice', 'typing into hyperfeed write', 'every line is a signed hypercore entry', 'the viewer prints it live', 'bye!']
const ROOM_LINES: [string, string][] = [['alice', 'welcome to the room, bob'], ['bob', 'thanks! every member posts here'], ['alice', 'and both of us see one history']]
const LINE_INTERVAL = 400
const DEADLINE = 60_000

interface Proc {
  name: string
  child: ChildProcess
  lines: string[]
  waiters: { match: (l: string) => boolean, resolve: (l: string) => void }[]
  exit: Promise<number | null>
}

function start (name: string, args: string[], storage?: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...(storage ? { HYPERFEED_STORAGE: storage } : {}) },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const proc: Proc = { name, child, lines: [], waiters: [], exit: new Promise(resolve => child.on('close', code => resolve(code))) }
  const onLine = (stream: string) => (line: string) => {
    console.log(`${`[${name} ${stream}]`.padEnd(17)} ${line}`)
    if (stream !== 'stdout') return
    proc.lines.push(line)
    for (const w of proc.waiters.slice()) {
      if (w.match(line)) {
        proc.waiters.splice(proc.waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  }
  splitLines(child.stdout!, onLine('stdout'))
  splitLines(child.stderr!, onLine('stderr'))
  return proc
}

function splitLines (stream: NodeJS.ReadableStream, onLine: (line: string) => void) {
  let partial = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    parts.forEach(onLine)
  })
}

function waitFor (proc: Proc, match: (l: string) => boolean): Promise<string> {
  const found = proc.lines.find(match)
  if (found !== undefined) return Promise.resolve(found)
  return new Promise(resolve => proc.waiters.push({ match, resolve }))
}

function freeUdpPort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4')
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

async function main (): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperfeed-demo-'))
  const procs: Proc[] = []
  const deadline = setTimeout(() => {
    console.error(`demo: not done within ${DEADLINE / 1000}s, giving up`)
    for (const p of procs) p.child.kill('SIGKILL')
    process.exit(1)
  }, DEADLINE)
  try {
    // A bootstrap node of our own on a free loopback port, so the demo needs no
    // internet and does not disturb a --local setup already running here.
    const port = await freeUdpPort()
    const bootstrap = start('bootstrap', ['bootstrap', '--host', '127.0.0.1', '--port', String(port)])
    procs.push(bootstrap)
    const address = await waitFor(bootstrap, l => /^127\.0\.0\.1:\d+$/.test(l))

    const writer = start('writer', ['write', '--nick', 'alice', '--bootstrap', address], path.join(dir, 'writer'))
    procs.push(writer)
    const key = await waitFor(writer, l => /^[0-9a-f]{64}$/.test(l))

    const viewer = start('viewer', ['view', key, '--bootstrap', address], path.join(dir, 'viewer'))
    procs.push(viewer)

    const latencies: number[] = []
    for (const text of LINES) {
      await sleep(LINE_INTERVAL)
      const sent = Date.now()
      writer.child.stdin!.write(text + '\n')
      await waitFor(viewer, l => l.endsWith(`alice: ${text}`))
      latencies.push(Date.now() - sent)
    }

    const received = viewer.lines.map(l => l.replace(/^\(\d+\) \[\d\d:\d\d:\d\d\] alice: /, ''))
    const inOrder = JSON.stringify(received) === JSON.stringify(LINES)

    // A room: alice creates it, bob joins with the invite, both type, and both
    // print the same history; bob mines a block on the room's chain.
    console.log('')
    const alice = start('alice', ['room', 'create', '--name', 'demo', '--nick', 'alice', '--difficulty', '8', '--bootstrap', address], path.join(dir, 'alice'))
    procs.push(alice)
    await waitFor(alice, l => /^[0-9a-f]{64}$/.test(l))
    const invite = await waitFor(alice, l => l.startsWith('hyperfeed-room:'))
    const bob = start('bob', ['room', 'join', invite, '--name', 'demo', '--nick', 'bob', '--bootstrap', address], path.join(dir, 'bob'))
    procs.push(bob)
    await waitFor(alice, l => l === '* bob joined')
    for (const [who, text] of ROOM_LINES) {
      await sleep(LINE_INTERVAL)
      ;(who === 'alice' ? alice : bob).child.stdin!.write(text + '\n')
      await Promise.all([alice, bob].map(p => waitFor(p, l => l.endsWith(`${who}: ${text}`))))
    }
    bob.child.stdin!.write('/block "the first block"\n')
    await Promise.all([alice, bob].map(p => waitFor(p, l => /^#0 [0-9a-f]{12} "the first block"$/.test(l))))
    const history = (p: Proc) => p.lines.filter(l => !/^[0-9a-f]{64}$|^hyperfeed-room:/.test(l)).map(l => l.replace(/^\(\d+\) \[\d\d:\d\d:\d\d\] /, ''))
    const same = JSON.stringify(history(alice)) === JSON.stringify(history(bob))

    writer.child.stdin!.end()
    // stop in order: viewers and room members, the writer, then the bootstrap node they use
    const order = [viewer, bob, alice, writer, bootstrap]
    const codes: (number | null)[] = []
    for (const p of order) {
      p.child.kill('SIGINT')
      codes.push(await p.exit)
    }
    procs.splice(0, procs.length, ...order)

    console.log('')
    console.log(`demo: ${received.length}/${LINES.length} lines arrived ${inOrder ? 'in order' : 'OUT OF ORDER'}; typed-to-printed latency ${Math.min(...latencies)}-${Math.max(...latencies)} ms`)
    console.log(`demo: the room's ${history(alice).length} entries are ${same ? 'the same, in the same order, on alice and bob' : 'DIFFERENT on alice and bob'}`)
    console.log(`demo: exit codes ${procs.map((p, i) => `${p.name}=${codes[i]}`).join(' ')}`)
    return inOrder && same && codes.every(c => c === 0) ? 0 : 1
  } finally {
    clearTimeout(deadline)
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().then(code => process.exit(code), err => {
  console.error('demo:', err instanceof Error ? err.message : err)
  process.exit(1)
})
