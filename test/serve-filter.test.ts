import test from 'brittle'
import { WebSocket } from 'ws'
import { runCli, spawnCli } from './helpers/index.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const NET = ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
const chat = (nick: string, text: string, time: number) => JSON.stringify({ type: 'chat', nick, text, time })

function live (t: any, url: string) {
  const ws = new WebSocket(url.replace(/^http/, 'ws'))
  const messages: any[] = []
  let bytes = 0
  const waiters: (() => void)[] = []
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString())
    if (m.seq !== undefined) bytes += (data as Buffer).length
    messages.push(m)
    for (const w of waiters.splice(0)) w()
  })
  t.teardown(() => ws.terminate())
  const until = async (pred: (m: any[]) => boolean, timeout = 15_000) => {
    const deadline = Date.now() + timeout
    while (!pred(messages)) {
      if (Date.now() > deadline) throw new Error('live: timed out; got ' + JSON.stringify(messages).slice(0, 500))
      await new Promise<void>(resolve => { waiters.push(resolve); setTimeout(resolve, 100) })
    }
    return messages
  }
  return { messages, until, bytes: () => bytes }
}

const entries = (m: any[]) => m.filter(x => x.seq !== undefined)

test('GET /api/entries and /live take author, type, since, until, q, limit; /live says synced after the stored matches, then sends only new matches', async (t) => {
  const storage = await t.tmp()
  const env = { HYPERFEED_STORAGE: storage }
  const values = Array.from({ length: 40 }, (_, i) => i % 10 === 0 ? chat('n', `needle ${i}`, 1_700_000_000_000 + i) : JSON.stringify({ type: 'note', text: `hay ${i} `.repeat(5) }))
  const made = await runCli(['import', '--name', 'f'], { env, input: values.map((v, i) => `{"seq":${i},"value":${v}}`).join('\n') + '\n' })
  t.is(made.code, 0, made.err)
  const key = made.stdout[0]!
  const s = spawnCli(t, ['serve', '--name', 'f', '--port', '0', ...NET], { storage })
  const url = await s.line(/^http:/)

  const page = await (await fetch(url + 'api/entries?type=chat&q=NEEDLE&limit=3&start=5')).json() as any[]
  t.alike(page.map(e => e.seq), [10, 20, 30], 'type, q (case aside), start and limit')
  const since = await (await fetch(url + `api/entries?since=${1_700_000_000_020}&until=${1_700_000_000_031}&author=${key}`)).json() as any[]
  t.alike(since.map(e => e.seq), [20, 30], 'since, until, author')
  t.is((await fetch(url + 'api/entries?since=soon')).status, 400, 'a bad time: 400')
  t.alike(await (await fetch(url + `api/entries?author=${A}`)).json(), [], 'another author: nothing')

  const all = live(t, url + 'live')
  const some = live(t, url + 'live?type=chat')
  await all.until(m => m.some(x => x.type === 'synced'))
  await some.until(m => m.some(x => x.type === 'synced'))
  t.alike(entries(some.messages).map(e => e.seq), [0, 10, 20, 30], 'the stored matches')
  t.is(some.messages.filter(x => x.type === 'synced').length, 1)
  t.is(all.messages.findIndex(x => x.type === 'synced'), all.messages.findIndex(x => x.seq === 39) + 1, 'unfiltered: synced right after the last stored entry')
  t.ok(some.bytes() < all.bytes() * 0.15, `a filter matching 10% sends ${some.bytes()} of ${all.bytes()} bytes of entries`)
  for (const body of [{ type: 'note', text: 'later hay' }, { text: 'later needle' }]) {
    await fetch(url + 'api/entries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  }
  await all.until(m => m.some(x => x.seq === 41))
  await some.until(m => m.some(x => x.seq === 41))
  t.alike(entries(some.messages).map(e => e.seq), [0, 10, 20, 30, 41], 'then only new matches')
  await s.stop()

  const room = [
    `{"seq":0,"author":"${A}","authorSeq":0,"value":{"type":"room/create","nick":"a","difficulty":12}}`,
    `{"seq":1,"author":"${A}","authorSeq":1,"value":${chat('a', 'one', 1)}}`,
    `{"seq":2,"author":"${B}","authorSeq":0,"value":${chat('b', 'two', 2)}}`
  ]
  t.is((await runCli(['import', '--name', 'r'], { env, input: room.join('\n') + '\n' })).code, 0)
  const rs = spawnCli(t, ['serve', '--room', 'r', '--port', '0', ...NET], { storage })
  const rurl = await rs.line(/^http:/)
  const rl = live(t, rurl + 'live?q=two')
  await rl.until(m => m.some(x => x.type === 'synced'))
  t.alike(entries(rl.messages).map(e => e.value.text), ['two'], 'a room\'s /live filters too')
  const rpage = await (await fetch(rurl + 'api/entries?type=chat&limit=1')).json() as any[]
  t.alike(rpage.map(e => e.value.text), ['one'])
  await rs.stop()
})
