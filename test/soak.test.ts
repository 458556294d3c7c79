// Long soak, off by default: HYPERFEED_SOAK=ROUNDS npm test soak
// Kills the writer with SIGKILL at a random point in each of ROUNDS rounds of
// streaming input, restarting it on the same storage every time; then a viewer
// process downloads the feed. Every acknowledged line must be on disk, in order,
// once, and the viewer must print exactly what the writer stored.
import { Feed, Store } from '../src/index.js'
import { runCli, sleep, spawnCli } from './helpers/index.js'
import { testIf } from './helpers/skip.js'

const ROUNDS = Number(process.env.HYPERFEED_SOAK ?? 0)
const LINES = 3000

testIf(ROUNDS === 0 ? 'a long soak, run only when asked for: HYPERFEED_SOAK=ROUNDS npm test soak' : null, `soak: ${ROUNDS} writer SIGKILLs mid-stream, then a viewer downloads everything`, { timeout: 120_000 + ROUNDS * 20_000 }, async (t) => {
  const storage = await t.tmp()
  const args = ['write', '--json', '--ack', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
  let key = ''
  let next = 0
  let acknowledged = 0
  for (let round = 0; round < ROUNDS; round++) {
    const w = spawnCli(t, args, { storage })
    const k = await w.line(/^[0-9a-f]{64}$/)
    if (key === '') key = k
    if (k !== key) t.fail(`round ${round}: the key changed`)
    const killAt = 100 + Math.floor(Math.random() * (LINES - 200))
    const first = next
    const feeding = (async () => {
      for (let i = 0; i < LINES && w.running; i += 100) {
        w.write(Array.from({ length: 100 }, (_, j) => JSON.stringify({ type: 'line', i: first + i + j }) + '\n').join(''))
        await sleep(1)
      }
    })()
    await w.line(l => l.startsWith('ok ') && Number(l.slice(3)) >= first + killAt, { timeout: 30_000 })
    w.proc.kill('SIGKILL')
    await w.exited
    await feeding
    const acked = w.stdout.lines.filter(l => l.startsWith('ok ')).map(l => Number(l.slice(3)))
    acknowledged += acked.length

    const store = await Store.open(`${storage}/writers/default`)
    const feed = await Feed.openWriter(store, 'default')
    const stored = await feed.read(0, feed.length)
    await feed.close()
    await store.close()
    const last = acked[acked.length - 1] ?? first - 1
    if (stored.length <= last) t.fail(`round ${round}: ${stored.length} entries on disk, but seq ${last} was acknowledged`)
    if (!stored.every((r, i) => 'value' in r && r.value.i === i)) t.fail(`round ${round}: the stored entries are not 0..${stored.length - 1} in order`)
    next = stored.length
  }
  t.pass(`${ROUNDS} kills: ${acknowledged} lines acknowledged, ${next} entries on disk, all in order`)

  const w = spawnCli(t, args, { storage })
  await w.line(/^[0-9a-f]{64}$/)
  const port = /:(\d+)$/.exec(await w.errLine('accepting WebSocket peers'))![1]!
  const view = await runCli(['view', key, '--once', '--json', '--no-swarm', '--peer', `ws://127.0.0.1:${port}`], { storage: await t.tmp(), timeout: 60_000 + next })
  t.is(view.code, 0)
  t.is(view.stdout.length, next, 'the viewer printed every stored entry')
  t.ok(view.stdout.every((l, i) => l === `{"seq":${i},"value":{"type":"line","i":${i}}}`), 'once each, in order')
  t.is((await w.stop()).code, 0)
}, { optIn: true })
