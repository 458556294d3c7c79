import test from 'brittle'
import { spawnCli } from './helpers/index.js'

const WS_HINT = /--peer (ws:\/\/127\.0\.0\.1:\d+) --no-swarm$/

test('a writer and a viewer sync over --ws-port/--peer with --no-swarm, and the viewer reconnects by itself', async (t) => {
  const wStorage = await t.tmp()
  const w = spawnCli(t, ['write', '--nick', 'ws', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage: wStorage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  const url = WS_HINT.exec(await w.errLine(WS_HINT))![1]!
  w.write('over websocket\n')

  const v = spawnCli(t, ['view', key, '--no-swarm', '--peer', url], { storage: await t.tmp() })
  await v.line('ws: over websocket')
  w.write('live over websocket\n')
  await v.line('ws: live over websocket')

  // the link drops: the writer goes away and comes back on the same port
  t.is((await w.stop()).code, 0)
  const port = new URL(url).port
  const w2 = spawnCli(t, ['write', '--nick', 'ws', '--no-swarm', '--ws-port', port, '--ws-host', '127.0.0.1'], { storage: wStorage })
  t.is(await w2.line(/^[0-9a-f]{64}$/), key)
  w2.write('after reconnect\n')
  await v.line('ws: after reconnect', { timeout: 20_000 })
  t.is(v.stdout.lines.length, 3, 'no duplicates after reconnecting')
})

test('the viewer can listen and the writer connect to it', async (t) => {
  const wStorage = await t.tmp()
  const keyProc = spawnCli(t, ['key'], { storage: wStorage })
  const key = await keyProc.line(/^[0-9a-f]{64}$/)
  await keyProc.exited

  const v = spawnCli(t, ['view', key, '--json', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage: await t.tmp() })
  const port = /ws:\/\/127\.0\.0\.1:(\d+)$/.exec(await v.errLine('accepting WebSocket peers at'))![1]
  const w = spawnCli(t, ['write', '--json', '--no-swarm', '--peer', `ws://127.0.0.1:${port}`], { storage: wStorage })
  await w.line(key)
  w.write('{"type":"reverse"}\n')
  t.is(await v.line(/reverse/), '{"seq":0,"value":{"type":"reverse"}}')
})

test('--no-swarm with nothing to connect to is a usage error', async (t) => {
  const { runCli } = await import('./helpers/index.js')
  const r = await runCli(['view', 'c'.repeat(64), '--no-swarm'], { storage: await t.tmp() })
  t.is(r.code, 2)
  t.alike(r.stderr, ['hyperfeed: --no-swarm leaves nothing to connect to: add --peer ws://HOST:PORT or --ws-port PORT'])
  const bad = await runCli(['view', 'c'.repeat(64), '--peer', 'http://x:1'], { storage: await t.tmp() })
  t.is(bad.code, 2)
  t.alike(bad.stderr, ['hyperfeed: not a WebSocket URL: "http://x:1" (expected ws://HOST:PORT)'])
})
