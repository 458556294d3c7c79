import test from 'brittle'
import { runCli, spawnCli } from './helpers/index.js'

const WS = ['--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1']
const values = (lines: string[]) => lines.map(l => JSON.parse(l).value)

test('view and room chat filter stored and live entries: --author, --type, --since, --until, --grep', async (t) => {
  const w = spawnCli(t, ['write', '--json', ...WS], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  const url = (await w.errLine(/accepting WebSocket peers at /)).replace(/.* at /, '')
  w.write([
    '{"type":"note","text":"old apple","time":1000}',
    '{"type":"note","text":"ÄPFEL and pears","time":1714570000000}',
    '{"type":"chat","nick":"bob","text":"apple pie","time":1714570000000}',
    '{"type":"other","n":1}'
  ].join('\n') + '\n')
  const net = ['--no-swarm', '--peer', url]

  const notes = await runCli(['view', key, '--json', '--once', '--type', 'note', '--since', '2024-01-01', ...net], { storage: await t.tmp() })
  t.is(notes.code, 0, notes.err)
  t.alike(values(notes.stdout).map(v => v.text), ['ÄPFEL and pears'], '--type and --since (an ISO date)')
  const grep = await runCli(['view', key, '--json', '--once', '--grep', 'apfel', '--grep', 'PEARS', '--author', key, ...net], { storage: await t.tmp() })
  t.alike(values(grep.stdout).map(v => v.text), ['ÄPFEL and pears'], '--grep folds case and accents, every --grep must match; --author is the writer')
  const either = await runCli(['view', key, '--once', '--type', 'chat', '--type', 'other', '--until', '2024-06-01T00:00Z', ...net], { storage: await t.tmp() })
  t.alike(either.stdout.map(l => l.replace(/^\(\d+\) \[[\d:]+\] /, '')), ['bob: apple pie'], 'repeated --type is any of them; --until leaves out entries without a time')
  const nobody = await runCli(['view', key, '--json', '--once', '--author', '0'.repeat(64), ...net], { storage: await t.tmp() })
  t.alike(nobody.stdout, [], 'another author: nothing')
  const bad = await runCli(['view', key, '--since', 'yesterday-ish', ...net], { storage: await t.tmp() })
  t.is(bad.code, 2, 'a time it cannot read is a usage error')
  t.ok(/--since takes an ISO date/.test(bad.err), bad.err)

  const v = spawnCli(t, ['view', key, '--json', '--grep', 'apple', ...net], { storage: await t.tmp() })
  await v.line('apple pie')
  w.write('{"type":"note","text":"no fruit here"}\n{"type":"note","text":"APPLE live"}\n')
  await v.line('APPLE live')
  t.alike(values(v.stdout.lines).map(x => x.text), ['old apple', 'apple pie', 'APPLE live'], 'live entries pass the same filter')
  await v.stop()

  const storage = await t.tmp()
  const c = spawnCli(t, ['room', 'create', '--name', 'r', '--nick', 'alice', '--json', ...WS], { storage })
  await c.line(/^hyperfeed-room:/)
  c.write('{"type":"chat","nick":"alice","text":"hello room","time":1714570000000}\n{"type":"note","text":"a room note"}\n')
  await c.line('a room note')
  const me = JSON.parse(c.stdout.lines.find(l => l.includes('"room/create"'))!).author
  t.is((await c.stop()).code, 0)

  const r = spawnCli(t, ['room', 'chat', '--name', 'r', '--nick', 'alice', '--json', '--author', me, '--type', 'chat', ...WS], { storage })
  await r.line('hello room')
  r.write('{"type":"note","text":"not shown"}\n{"type":"chat","nick":"alice","text":"second","time":5}\n')
  await r.line('second')
  t.alike(values(r.stdout.lines).map(x => x.text), ['hello room', 'second'], 'room chat: stored and live entries filtered alike')
  await r.stop()
})
