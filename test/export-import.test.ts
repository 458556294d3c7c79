import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { runCli } from './helpers/index.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

test('export, import, export gives the same bytes; a malformed line refuses and makes nothing; a room export makes a new room', async (t) => {
  const storage = await t.tmp()
  const env = { HYPERFEED_STORAGE: storage }
  const values = [
    '{"type":"note","text":"spaced   out, ünïcode ✓"}',
    '{"type":"chat","nick":"n","text":"hello","time":1714570000000}',
    '{"type":"edit","ref":1,"text":"hello!"}',
    JSON.stringify({ type: 'long', text: 'x'.repeat(5000) })
  ]
  const made = await runCli(['import', '--name', 'src'], { env, input: values.map((v, i) => `{"seq":${i},"value":${v}}`).join('\n') + '\n' })
  t.is(made.code, 0, made.err)
  t.absent(made.err.includes('importing'), 'no progress line off a terminal')
  const first = await runCli(['export', '--name', 'src'], { env })
  t.is(first.code, 0, first.err)
  t.is(first.stdout.length, 4)
  t.is(first.stdout[1], '{"seq":1,"value":{"type":"chat","nick":"n","text":"hello","time":1714570000000}}')

  const imported = await runCli(['import', '--name', 'copy'], { env, input: first.out })
  t.is(imported.code, 0, imported.err)
  t.ok(/^[0-9a-f]{64}$/.test(imported.stdout[0] ?? ''), 'prints the new key')
  const second = await runCli(['export', imported.stdout[0]!, '--resolved'], { env })
  t.alike(second.stdout.map(l => JSON.parse(l).text), ['hello!'], '--resolved (by the new key): the message once, as edited')
  const again = await runCli(['export', imported.stdout[0]!], { env })
  t.is(again.out, first.out, 'export, import, export: byte-identical')

  const bad = await runCli(['import', '--name', 'bad'], { env, input: first.stdout.slice(0, 2).join('\n') + '\n{"seq":2,"value":{"type":"x"}\n' + first.stdout[3] + '\n' })
  t.is(bad.code, 1)
  t.is(bad.err.trim(), 'hyperfeed: import refused (nothing was imported): line 3: not JSON')
  t.absent(fs.existsSync(path.join(storage, 'writers', 'bad')), 'no feed was made')

  const room = [
    `{"seq":0,"author":"${A}","authorSeq":0,"value":{"type":"room/create","nick":"a","difficulty":12}}`,
    `{"seq":1,"author":"${A}","authorSeq":1,"value":{"type":"chat","nick":"a","text":"one","time":1}}`,
    `{"seq":2,"author":"${B}","authorSeq":0,"value":{"type":"chat","nick":"b","text":"two","time":2,"replyTo":{"author":"${A}","authorSeq":1}}}`,
    `{"seq":3,"author":"${B}","authorSeq":1,"value":{"type":"edit","ref":{"author":"${A}","authorSeq":1},"text":"not b's to edit"}}`
  ]
  const r = await runCli(['import', '--name', 'r', '--nick', 'me'], { env, input: room.join('\n') + '\n' })
  t.is(r.code, 0, r.err)
  t.ok(/2 entries into the new room "r" \(2 entries of the export left out/.test(r.err), r.err)
  const out = await runCli(['export', '--room', 'r'], { env })
  const lines = out.stdout.map(l => JSON.parse(l))
  const me = lines[0].author
  t.is(lines[0].value.type, 'room/create', 'a new room, made by the importer')
  t.ok(lines.every((l, i) => l.seq === i && l.author === me), 'every entry posted again by the importer')
  t.alike(lines.slice(1).map(l => l.value.text), ['one', 'two'])
  t.alike(lines[2].value.replyTo, { author: me, authorSeq: lines[1].authorSeq }, 'the reply points where its target landed')
})
