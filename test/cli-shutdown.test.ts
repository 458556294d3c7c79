import test from 'brittle'
import { STOP_NETWORK, STOP_STORAGE, STOP_WORK, Shutdown } from '../src/cli/shutdown.js'

test('shutdown runs each step once, in order, and closes once', async (t) => {
  const signals = process.listenerCount('SIGTERM')
  const shutdown = new Shutdown()
  t.is(process.listenerCount('SIGTERM'), signals, 'no signal handler before open')
  await shutdown.ready()
  t.is(process.listenerCount('SIGTERM'), signals + 1)
  const ran: string[] = []
  shutdown.add(STOP_STORAGE, () => { ran.push('storage') })
  shutdown.add(STOP_WORK, async () => { await new Promise(resolve => setTimeout(resolve, 20)); ran.push('work') })
  shutdown.add(STOP_NETWORK, () => { ran.push('network') })
  shutdown.add(STOP_NETWORK, () => { throw new Error('a failing step does not stop the rest') })
  const first = shutdown.close()
  t.is(shutdown.close(), first)
  await first
  t.alike(ran, ['work', 'network', 'storage'])
  t.is(process.listenerCount('SIGTERM'), signals, 'its signal handlers are gone')
})
