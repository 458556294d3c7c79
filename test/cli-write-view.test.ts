import { spawnSync } from 'node:child_process'
import test from 'brittle'
import { runCli, spawnCli, testnet } from './helpers/index.js'
import { testIf } from './helpers/skip.js'

const CHAT = /^\(\d+\) \[\d\d:\d\d:\d\d\] alice: /

test('end to end: lines typed into `hyperfeed write` come out of `hyperfeed view`', async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--nick', 'alice', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  t.is(w.stdout.lines[0], key, 'the key is the first line of stdout')
  await w.errLine(`follow it with: hyperfeed view ${key} --bootstrap ${flag}`)
  w.write('before the viewer\n')

  const v = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() })
  await v.line('alice: before the viewer')

  const sent = Date.now()
  w.write('hello\r\n\nworld\n//slash text\n')
  await v.line('alice: //slash text'.replace('//', '/'))
  t.ok(Date.now() - sent < 5000, `live lines arrived in ${Date.now() - sent} ms`)
  t.alike(v.stdout.lines.map(l => l.replace(/^\(\d+\) \[\d\d:\d\d:\d\d\] /, '')), [
    'alice: before the viewer', 'alice: hello', 'alice: world', 'alice: /slash text'
  ], 'in order, \\r dropped, empty line skipped, // sends a literal /')
  t.ok(v.stdout.lines.every(l => CHAT.test(l)))

  w.write('/nonsense here\n')
  await w.errLine(/unknown command \/nonsense/)
  w.write('after\n')
  await v.line('alice: after')
  t.absent(v.stdout.text.includes('nonsense'), 'an unknown command is not sent')

  const vStop = await v.stop('SIGINT')
  t.is(vStop.code, 0, 'viewer exits 0 on SIGINT')
  w.endInput()
  await w.errLine(/input ended; still serving 5 entries/)
  const wStop = await w.stop('SIGTERM')
  t.is(wStop.code, 0, 'writer exits 0 on SIGTERM after stdin ended')
})

test('view --json prints exactly one {"seq","value"} line per entry', async (t) => {
  const { flag } = await testnet(t)
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', '--json', '--bootstrap', flag], { storage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write('{"type":"note","text":"a\\nb"}\n{"type":"chat","nick":"n","text":"t","time":5}\n')
  const r = await runCli(['view', key, '--json', '--once', '--bootstrap', flag], { storage: await t.tmp() })
  t.is(r.code, 0)
  t.alike(r.stdout, [
    '{"seq":0,"value":{"type":"note","text":"a\\nb"}}',
    '{"seq":1,"value":{"type":"chat","nick":"n","text":"t","time":5}}'
  ])
  const from1 = await runCli(['view', key, '--json', '--once', '--start', '1', '--bootstrap', flag], { storage: await t.tmp() })
  t.alike(from1.stdout, ['{"seq":1,"value":{"type":"chat","nick":"n","text":"t","time":5}}'], '--start skips earlier entries')
})

test('invalid JSON lines and oversize entries are refused, nothing is appended for them, the writer goes on', async (t) => {
  const storage = await t.tmp()
  const big = JSON.stringify({ type: 'x', s: 'a'.repeat(1024 * 1024) })
  const input = [
    '{"type":"ok","n":1}',
    '{"type":',
    '[1,2,3]',
    '{"no":"type"}',
    big,
    '{"type":"chat","nick":"x"}',
    '{"type":"ok","n":2}'
  ].join('\n') + '\n'
  const w = spawnCli(t, ['write', '--json', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1', '--ack'], { storage })
  await w.line(/^[0-9a-f]{64}$/)
  w.write(input)
  w.endInput()
  await w.errLine(/input ended/)
  await w.line('ok 1') // stdout and stderr are separate pipes: wait for the last ack itself
  t.alike(w.stdout.lines.slice(1), [
    'ok 0',
    'err entry refused: the line is not valid JSON',
    'err entry refused: an entry must be a JSON object, not an array',
    'err entry refused: an entry needs a string "type" field',
    `err entry refused: ${Buffer.byteLength(big)} bytes of JSON is over the 1048576-byte limit`,
    'err entry refused: a "chat" entry has exactly the keys type, nick (string), text (string) and time (integer ms)',
    'ok 1'
  ], 'one ack per line, in order')
  const refusals = w.stderr.lines.filter(l => l.startsWith('hyperfeed: entry refused'))
  t.is(refusals.length, 5, 'one clear stderr line per refused line')
  t.ok(refusals.every(l => l.length < 200), 'refusal lines are short')
  await w.stop()

  const info = await runCli(['info', '--name', 'default', '--json'], { storage })
  t.is(JSON.parse(info.out).length, 2, 'only the two valid entries were appended')
})

test('append and key work offline; the writer keeps its key and entries across restarts', async (t) => {
  const storage = await t.tmp()
  const key = (await runCli(['key'], { storage })).stdout[0]
  t.ok(/^[0-9a-f]{64}$/.test(key ?? ''))
  t.alike((await runCli(['append', '--nick', 'bob', 'offline', 'words'], { storage })).stdout, ['0'])
  t.alike((await runCli(['append', '--json', '{"type":"note"}'], { storage })).stdout, ['1'])
  const bad = await runCli(['append', '--json', '{"type":'], { storage })
  t.is(bad.code, 1)
  t.alike(bad.stderr, ['hyperfeed: entry refused: the line is not valid JSON'])

  for (let run = 0; run < 2; run++) {
    const w = spawnCli(t, ['write', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage })
    t.is(await w.line(/^[0-9a-f]{64}$/), key, `run ${run}: same key`)
    await w.errLine(`(${2 + run} entries)`)
    w.write('run ' + run + '\n')
    w.endInput()
    await w.errLine(/input ended/)
    t.is((await w.stop()).code, 0)
  }
  const other = (await runCli(['key', '--name', 'other'], { storage })).stdout[0]
  t.not(other, key, 'another name is another feed')
  const info = JSON.parse((await runCli(['info', key!, '--json'], { storage })).out)
  t.is(info.length, 4)
  t.is(info.writable, true)
})

test('view --once with no peer prints what it has and exits 1 within its timeout', async (t) => {
  const { flag } = await testnet(t)
  const key = 'a'.repeat(64)
  const started = Date.now()
  const r = await runCli(['view', key, '--once', '--timeout', '2', '--bootstrap', flag], { storage: await t.tmp() })
  const took = Date.now() - started
  t.is(r.code, 1)
  t.alike(r.stdout, [])
  t.alike(r.stderr, [`hyperfeed: no peer found for ${key} within 2s`])
  t.ok(took < 6000, `exited after ${took} ms`)
})

test('keys: hex and z32 name the same feed; anything else exits 2 with a clear message', async (t) => {
  const { flag } = await testnet(t)
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', '--bootstrap', flag], { storage })
  const hex = await w.line(/^[0-9a-f]{64}$/)
  const z32line = await w.errLine(/^key \(z32\): /)
  const z32 = z32line.slice('key (z32): '.length)
  t.is(z32.length, 52)
  w.write('via both\n')
  for (const k of [hex, z32, hex.toUpperCase()]) {
    const r = await runCli(['view', k, '--once', '--bootstrap', flag], { storage: await t.tmp() })
    t.is(r.code, 0, `view ${k.slice(0, 8)}... exits 0`)
    t.ok(r.out.includes('via both'))
  }
  for (const bad of ['abc', hex.slice(1), hex + '0', 'g'.repeat(64), z32.slice(0, -1) + '0', '']) {
    const r = await runCli(['view', bad, '--once'], { storage: await t.tmp() })
    t.is(r.code, 2, `${JSON.stringify(bad)} exits 2`)
    t.is(r.stderr.length, 1, 'one line')
    t.ok(/not a feed key|needs the feed KEY/.test(r.err), r.err)
  }
})

const TERMINAL = spawnSync('script', ['--version']).status === 0 ? null : 'no script(1) to give the viewer a terminal (util-linux)'

testIf(TERMINAL, 'on a terminal, view shows catch-up progress on stderr and says when it is in sync', {}, async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--json', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ type: 'n', i })).join('\n') + '\n')
  const { BIN } = await import('./helpers/index.js')
  // script(1) runs the viewer with a pseudo-terminal as stdin, stdout and stderr
  const v = spawnCli(t, ['-qefc', `${process.execPath} ${BIN} view ${key} --bootstrap ${flag}`, '/dev/null'], { storage: await t.tmp(), wrap: ['script'] })
  const synced = await v.line(/in sync: 2000 entries/)
  t.ok(synced.length > 0)
  t.ok(v.stdout.text.includes(`looking for peers of ${key}`))
})
