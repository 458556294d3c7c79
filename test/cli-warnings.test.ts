import net from 'node:net'
import { PassThrough } from 'node:stream'
import { EventEmitter } from 'node:events'
import test from 'brittle'
import { Status } from '../src/cli/output.js'
import { Warnings } from '../src/cli/warnings.js'
import { sleep, spawnCli } from './helpers/index.js'

const KEY = '66bae848e33e9ebb8b8b6e41d007c77d6688e1d9ce47bde63a6601e98e04b4ef'

// A loopback port nothing listens on.
async function closedPort (): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await new Promise(resolve => server.once('listening', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

function printer (opts: { repeatAfter?: number, now?: () => number } = {}) {
  const out = new PassThrough()
  let text = ''
  out.setEncoding('utf8').on('data', (d: string) => { text += d })
  const warnings = new Warnings(new Status(out as unknown as NodeJS.WriteStream), opts)
  return { warnings, lines: () => text.split('\n').filter(Boolean) }
}

test('view with a dead WebSocket peer says so once on stderr while it keeps retrying', { timeout: 60_000 }, async (t) => {
  const port = await closedPort()
  const cli = spawnCli(t, ['view', KEY, '--no-swarm', '--peer', `ws://127.0.0.1:${port}`], { storage: await t.tmp() })
  const line = await cli.errLine(/ECONNREFUSED/)
  t.is(line, `hyperfeed: network: connect ECONNREFUSED 127.0.0.1:${port}`)
  // retries every 250 ms, doubling: four or five more in the next 4 s
  await sleep(4000)
  t.is(cli.stderr.lines.filter(l => /ECONNREFUSED/.test(l)).length, 1, cli.stderr.text)
  const { code } = await cli.stop()
  t.is(code, 0)
})

test('a cause is printed once, again after the quiet time with how often it came meanwhile', async (t) => {
  let now = 0
  const { warnings, lines } = printer({ repeatAfter: 60_000, now: () => now })
  const source = new EventEmitter()
  warnings.watch(source, 'network')
  source.emit('warning', new Error('connect ECONNREFUSED 127.0.0.1:4000'))
  for (let i = 0; i < 5; i++) {
    now += 1000
    source.emit('warning', new Error('connect ECONNREFUSED 127.0.0.1:4000'))
  }
  source.emit('warning', new Error('another cause'))
  t.alike(lines(), ['hyperfeed: network: connect ECONNREFUSED 127.0.0.1:4000', 'hyperfeed: network: another cause'])
  now += 60_000
  source.emit('warning', new Error('connect ECONNREFUSED 127.0.0.1:4000'))
  t.is(lines()[2], 'hyperfeed: network: connect ECONNREFUSED 127.0.0.1:4000 (5 more times in the last 65 s)')
  now += 60_000
  source.emit('warning', new Error('connect ECONNREFUSED 127.0.0.1:4000'))
  t.is(lines()[3], 'hyperfeed: network: connect ECONNREFUSED 127.0.0.1:4000', 'no count when it did not recur')
})

test('a warning is one line, however long or multi-line its cause', async (t) => {
  const { warnings, lines } = printer()
  warnings.report('gateway', new Error('first\n  second\nthird'))
  warnings.report('gateway', 'x'.repeat(1000))
  warnings.report('room', { message: undefined })
  const out = lines()
  t.is(out.length, 3)
  t.is(out[0], 'hyperfeed: gateway: first second third')
  t.ok(out[1]!.length < 400)
  t.ok(out[1]!.endsWith('...'))
  t.ok(out[2]!.startsWith('hyperfeed: room: '))
})

test('the same text from two sources is two causes', async (t) => {
  const { warnings, lines } = printer()
  warnings.report('network', new Error('boom'))
  warnings.report('gateway', new Error('boom'))
  warnings.report('network', new Error('boom'))
  t.is(lines().length, 2)
})
