import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { runCli, spawnCli } from './helpers/index.js'

// Every file and directory under dir with its content and mtime.
function snapshot (dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name)
      const st = fs.statSync(p)
      const rel = path.relative(dir, p)
      if (st.isDirectory()) {
        out[rel + '/'] = String(st.mtimeMs)
        walk(p)
      } else {
        out[rel] = fs.readFileSync(p, 'base64') + ' ' + st.mtimeMs + ' ' + st.mode
      }
    }
  }
  walk(dir)
  return out
}

test('a non-empty foreign directory given as --storage is refused and left byte for byte untouched', async (t) => {
  const dir = await t.tmp()
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'my notes\n')
  fs.mkdirSync(path.join(dir, 'docs'))
  fs.writeFileSync(path.join(dir, 'docs', 'plan.md'), '# plan\n')
  const before = snapshot(dir)

  const key = 'b'.repeat(64)
  for (const args of [['write', '--no-swarm', '--ws-port', '0'], ['view', key], ['key'], ['append', 'hi'], ['info', '--name', 'default']]) {
    const r = await runCli([...args, '--storage', dir])
    t.is(r.code, 1, `${args[0]} exits 1`)
    t.is(r.stderr.length, 1, `${args[0]}: one line`)
    t.ok(/refusing to use .* as storage: it is not empty and holds no hyperfeed storage|no hyperfeed storage/.test(r.err), r.err)
  }
  t.alike(snapshot(dir), before, 'nothing in the directory changed')
})

test('inside hyperfeed storage, a feed directory holding something else is refused too', async (t) => {
  const dir = await t.tmp()
  t.is((await runCli(['key', '--storage', dir])).code, 0)
  fs.mkdirSync(path.join(dir, 'writers', 'mine'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'writers', 'mine', 'keep.txt'), 'keep')
  const r = await runCli(['key', '--name', 'mine', '--storage', dir])
  t.is(r.code, 1)
  t.ok(r.err.includes('refusing to use'))
  t.is(fs.readFileSync(path.join(dir, 'writers', 'mine', 'keep.txt'), 'utf8'), 'keep')
})

test('an empty or new directory becomes storage', async (t) => {
  const dir = path.join(await t.tmp(), 'new', 'nested')
  const r = await runCli(['append', 'first', '--storage', dir])
  t.is(r.code, 0)
  t.ok(fs.existsSync(path.join(dir, 'HYPERFEED')))
})

test('storage in use by a running writer: a clear message naming --storage; info still reads it', async (t) => {
  const storage = await t.tmp()
  const w = spawnCli(t, ['write', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write('one\ntwo\n')
  await w.endInput()
  await w.errLine(/input ended/)

  const r = await runCli(['append', 'three'], { storage })
  t.is(r.code, 1)
  t.alike(r.stderr, [`hyperfeed: storage ${path.join(storage, 'writers', 'default')} is in use by another hyperfeed process; stop it or pass --storage DIR to use another directory`])

  const info = await runCli(['info', key], { storage })
  t.is(info.code, 0)
  t.ok(info.out.includes('length:         2 entries'), 'info sees both entries')
  t.ok(info.out.includes('yes, this storage is its writer'))
  await w.stop()
})

test('a file where the storage directory should be: one line, exit 1', async (t) => {
  const file = path.join(await t.tmp(), 'afile')
  fs.writeFileSync(file, 'x')
  const r = await runCli(['key', '--storage', file])
  t.is(r.code, 1)
  t.alike(r.stderr, [`hyperfeed: cannot use storage ${file}: it is a file, not a directory`])
})
