// Raw Hypercore/Corestore/Hyperswarm processes the benchmark compares hyperfeed
// with: what a user could write instead, with the library's documented idioms.
//   raw.js write  DIR COUNT BOOTSTRAP        a feed of COUNT ~75-byte JSON entries, served on the swarm
//   raw.js live   DIR COUNT BOOTSTRAP        appends one entry every 10 ms (each carrying its send time)
//   raw.js read   DIR KEY BOOTSTRAP [print]  cold sync with download(), then reads every entry
//   raw.js follow DIR KEY BOOTSTRAP [prefetch]  prints entries live, as they arrive (server and
//                                            client: meshed); prefetch: with a live download() range
//                                            ahead of the read stream
//   raw.js follow-client DIR KEY BOOTSTRAP   the same, as a client only (connects to the writer alone)
//   raw.js burst  DIR COUNT BOOTSTRAP        on a line of stdin, appends COUNT entries, 50 every 10 ms
//   raw.js pipe   DIR COUNT BOOTSTRAP        appends each line of stdin as it arrives, as hyperfeed
//                                            write does (COUNT unused)
// Status lines go to stderr as JSON; entries (read with print, follow) to stdout.
// The DHT binds RAW_HOST (default 127.0.0.1), e.g. a shaped link's address.
import Corestore from 'corestore'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'

const [mode, dir, arg, bootstrapArg, extra] = process.argv.slice(2)
const bootstrap = bootstrapArg!.split(',').map(s => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) }))
const HOST = process.env.RAW_HOST ?? '127.0.0.1'
const READ_CONCURRENCY = 256
const BATCH = 1000

function status (o: object): void {
  process.stderr.write(JSON.stringify({ t: Date.now(), ...o }) + '\n')
}

export function entry (i: number): Buffer {
  return Buffer.from(JSON.stringify({ type: 'chat', nick: 'bench', text: 'entry number ' + String(i).padStart(7, '0'), time: 1700000000000 + i }))
}

async function main (): Promise<void> {
  const store = new Corestore(dir!)
  await store.ready()
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: HOST, firewalled: false }) })
  swarm.on('connection', (conn) => { conn.on('error', () => {}); store.replicate(conn) })
  const stop = async () => {
    await swarm.destroy()
    await store.close()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  if (mode === 'write' || mode === 'live' || mode === 'burst' || mode === 'pipe') {
    const core = store.get({ name: 'bench' })
    await core.ready()
    const count = Number(arg)
    if (mode === 'write') {
      for (let i = core.length; i < count; i += BATCH) {
        await core.append(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => entry(i + j)))
      }
    }
    swarm.join(core.discoveryKey, { server: true, client: true })
    await swarm.flush()
    status({ ready: true, key: core.key.toString('hex'), length: core.length })
    if (mode === 'burst') {
      await new Promise(resolve => process.stdin.once('data', resolve))
      for (let i = 0; i < count; i += 50) {
        await core.append(Array.from({ length: Math.min(50, count - i) }, (_, j) => Buffer.from(JSON.stringify({ type: 'n', i: i + j, sent: performance.timeOrigin + performance.now() }))))
        await new Promise(resolve => setTimeout(resolve, 10))
      }
      status({ appended: count })
    }
    if (mode === 'pipe') {
      // every complete line of stdin becomes one block, appended as it comes
      let rest = ''
      let appending = Promise.resolve()
      process.stdin.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n')
        rest = lines.pop() ?? ''
        const blocks = lines.filter(l => l.length > 0).map(l => Buffer.from(l))
        if (blocks.length > 0) appending = appending.then(() => core.append(blocks)).then(() => {})
      })
      await new Promise(resolve => process.stdin.once('end', resolve))
      await appending
    }
    if (mode === 'live') {
      // start when told to (a line on stdin), then one entry every 10 ms
      await new Promise(resolve => process.stdin.once('data', resolve))
      for (let i = 0; i < count; i++) {
        const next = performance.now() + 10
        await core.append(Buffer.from(JSON.stringify({ type: 'tick', i, sent: performance.timeOrigin + performance.now() })))
        await new Promise(resolve => setTimeout(resolve, Math.max(0, next - performance.now())))
      }
      status({ appended: count })
    }
    return
  }

  const core = store.get({ key: Buffer.from(arg!, 'hex') })
  await core.ready()
  const done = core.findingPeers()
  swarm.join(core.discoveryKey, { server: mode !== 'follow-client', client: true })
  swarm.flush().then(done, done)
  core.once('peer-add', () => status({ peer: true }))

  if (mode === 'read') {
    await core.update({ wait: true })
    status({ length: core.length })
    await core.download({ start: 0, end: core.length }).done()
    status({ downloaded: core.length })
    // then every entry read back (and printed with `print`), many reads in flight
    const print = extra === 'print'
    for (let i = 0; i < core.length; i += READ_CONCURRENCY) {
      const blocks = await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, core.length - i) }, (_, j) => core.get(i + j)))
      if (print) process.stdout.write(blocks.map((b, j) => `{"seq":${i + j},"value":${b!.toString()}}`).join('\n') + '\n')
    }
    status({ read: core.length, maxRSS: process.resourceUsage().maxRSS * 1024 })
    await stop()
  }

  if (mode === 'follow' || mode === 'follow-client') {
    if (extra === 'prefetch') core.download({ start: 0, end: -1 })
    for await (const block of core.createReadStream({ live: true })) process.stdout.write(block.toString() + '\n')
  }
}

main().catch(err => {
  status({ error: String(err?.stack ?? err) })
  process.exit(1)
})
