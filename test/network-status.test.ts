import dgram from 'node:dgram'
import test from 'brittle'
import { spawnCli } from './helpers/index.js'

async function freeUdpPort (): Promise<number> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>(resolve => socket.close(() => resolve()))
  return port
}

test('no bootstrap node answers: the writer says so once, with what to do, and says when one answers again', { timeout: 60_000 }, async (t) => {
  const port = await freeUdpPort()
  const w = spawnCli(t, ['write', '--bootstrap', `127.0.0.1:${port}`], { storage: await t.tmp() })
  await w.line(/^[0-9a-f]{64}$/)
  const started = Date.now()
  const warning = await w.errLine(/no DHT bootstrap node answers/, { timeout: 20_000 })
  t.ok(warning.includes(`127.0.0.1:${port}`), 'names the address it tried')
  t.ok(/--local/.test(warning) && /--bootstrap/.test(warning), 'says what to do')
  t.comment(`warned after ${Date.now() - started} ms`)

  const b = spawnCli(t, ['bootstrap', '--host', '127.0.0.1', '--port', String(port)])
  await b.line(`127.0.0.1:${port}`)
  await w.errLine(/a DHT bootstrap node answers again/, { timeout: 30_000 })
  t.is(w.stderr.lines.filter(l => /no DHT bootstrap node answers/.test(l)).length, 1, 'the warning was given once')
  await w.stop()
  await b.stop()
})
