import test from 'brittle'
import { WebSocket } from 'ws'
import { spawnCli } from './helpers/index.js'

const TOKEN = 'open-sesame'

async function served (t: test.Assert, encrypt: boolean) {
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', ...(encrypt ? ['--encrypt'] : []), '--ack', '--nick', 'w', '--no-swarm', '--ws-port', '0'], { storage })
  await w.line(/^[0-9a-f]{64}$/, { timeout: 60_000 })
  w.write('secret\n')
  await w.line('ok 0', { timeout: 30_000 })
  t.is((await w.stop()).code, 0)
  const s = spawnCli(t, ['serve', '--name', 'default', '--listen', '0.0.0.0', '--port', '0', '--token', TOKEN, '--no-swarm', '--ws-port', '0'], { storage })
  return new URL(await s.line(/^http:\/\//, { timeout: 60_000 }))
}

function live (url: URL, protocols: string[]): Promise<string> {
  return new Promise(resolve => {
    const ws = new WebSocket(new URL('/live', url).toString().replace('http:', 'ws:'), protocols)
    ws.on('message', (data) => { ws.close(); resolve('open: ' + String(data)) })
    ws.on('unexpected-response', (_req, res) => { ws.terminate(); resolve(String(res.statusCode)) })
    ws.on('error', () => {})
  })
}

test('a private feed served beyond loopback needs the token to read; a public one does not', { timeout: 180_000 }, async (t) => {
  const url = await served(t, true)
  const bare = await fetch(new URL('/api/entries', url))
  t.is(bare.status, 401, 'entries without the token')
  t.ok(/to read this private feed/.test((await bare.json()).error))
  t.is((await fetch(new URL('/api/info', url))).status, 401, 'info without the token')
  t.is((await fetch(new URL('/metrics', url))).status, 401, 'metrics without the token')
  t.is((await fetch(new URL('/', url))).status, 200, 'the page itself loads (it takes the token from its URL)')
  const entries = await (await fetch(new URL('/api/entries', url), { headers: { authorization: `Bearer ${TOKEN}` } })).json()
  t.is(entries[0]?.value?.text, 'secret', 'with the token')
  t.is(await live(url, []), '401', '/live without the token')
  t.ok((await live(url, [`bearer.${TOKEN}`])).startsWith('open: '), '/live with the token as its subprotocol')

  const open = await served(t, false)
  t.is((await fetch(new URL('/api/entries', open))).status, 200, 'a public feed: reads stay open')
})
