import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { runCli, spawnCli } from './helpers/index.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const NET = ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
const chat = (text: string, time: number) => JSON.stringify({ type: 'chat', nick: 'n', text, time })

async function get (url: string) {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() as any }
}

test('search: words, prefixes, case and accents, newest first with entry numbers; the index is rebuilt when missing and kept up to date by serve (feed and room)', async (t) => {
  const storage = await t.tmp()
  const env = { HYPERFEED_STORAGE: storage }
  const values = [
    chat('Crème brûlée for dessert', 1_700_000_000_000),
    '{"type":"note","text":"unrelated"}',
    chat('more creme BRULEE please', 1_800_000_000_000),
    '{"type":"edit","ref":0,"text":"apple pie for dessert"}'
  ]
  const made = await runCli(['import', '--name', 'src'], { env, input: values.map((v, i) => `{"seq":${i},"value":${v}}`).join('\n') + '\n' })
  t.is(made.code, 0, made.err)
  const key = made.stdout[0]!

  const found = await runCli(['search', '--name', 'src', 'crem', 'brûl'], { env })
  t.is(found.code, 0, found.err)
  t.alike(found.stdout.map(l => l.replace(/\[[\d:]+\] /, '')), ['(2) n: more creme BRULEE please'], 'prefixes, accents and case aside; the edited message no longer matches its old words')
  fs.rmSync(path.join(storage, 'search'), { recursive: true })
  const json = await runCli(['search', key, 'dessert', '--json', '--since', '2023-01-01', '--author', key], { env })
  t.alike(json.stdout.map(l => JSON.parse(l).seq), [0], 'by KEY, the index rebuilt; --json lines are entries; the edited text is found')

  const s = spawnCli(t, ['serve', '--name', 'src', '--port', '0', ...NET], { storage })
  const url = await s.line(/^http:/)
  const first = await get(url + 'api/search?q=creme')
  t.alike(first.body.map((e: any) => e.seq), [2])
  const posted = await fetch(url + 'api/entries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'newest crème' }) })
  t.is(posted.status, 201)
  const after = await get(url + 'api/search?q=CREME&limit=5')
  t.alike(after.body.map((e: any) => e.seq), [4, 2], 'a new entry is found at once, newest first')
  t.is((await get(url + 'api/search')).status, 400, 'no q: 400')
  t.alike((await get(url + `api/search?q=creme&author=${A}`)).body, [], 'another author: nothing')
  await s.stop()

  const room = [
    `{"seq":0,"author":"${A}","authorSeq":0,"value":{"type":"room/create","nick":"a","difficulty":12}}`,
    `{"seq":1,"author":"${A}","authorSeq":1,"value":${chat('hello room', 1)}}`,
    `{"seq":2,"author":"${B}","authorSeq":0,"value":${chat('hello again', 2)}}`
  ]
  t.is((await runCli(['import', '--name', 'r'], { env, input: room.join('\n') + '\n' })).code, 0)
  const inRoom = await runCli(['search', '--room', 'r', 'hel', '--json'], { env })
  t.alike(inRoom.stdout.map(l => JSON.parse(l).value.text), ['hello again', 'hello room'], 'a room: newest first')
  const rs = spawnCli(t, ['serve', '--room', 'r', '--port', '0', ...NET], { storage })
  const rurl = await rs.line(/^http:/)
  const rfound = await get(rurl + 'api/search?q=again')
  t.alike(rfound.body.map((e: any) => [e.seq, e.value.text, typeof e.author]), [[2, 'hello again', 'string']], 'GET /api/search on a room')
  await rs.stop()
})
