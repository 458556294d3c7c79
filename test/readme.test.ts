import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'brittle'

const README = fileURLToPath(new URL('../../README.md', import.meta.url))
const LIBRARY = fileURLToPath(new URL('../src/index.js', import.meta.url))

// The README's "The library" section: its js block and the output it shows.
function example (): { code: string, output: string } {
  const text = fs.readFileSync(README, 'utf8')
  const section = text.slice(text.indexOf('## The library'))
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1]
  const output = /```text\n([\s\S]*?)```/.exec(section)?.[1]
  if (code === undefined || output === undefined) throw new Error('README: no js block and text output under "## The library"')
  return { code, output }
}

test('the README\'s library example runs as printed, prints what the README shows, and exits by itself', { timeout: 90_000 }, async (t) => {
  const { code, output } = example()
  const dir = await t.tmp()
  const file = path.join(dir, 'example.mjs')
  fs.writeFileSync(file, code.replace(/from 'hyperfeed'/, `from ${JSON.stringify(LIBRARY)}`))
  const child = spawn(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const [exit, signal] = await new Promise<[number | null, string | null]>(resolve => child.on('close', (c, s) => resolve([c, s])))
  clearTimeout(timer)
  t.is(signal, null, `it exits by itself (nothing left open) ${err}`)
  t.is(exit, 0, err)
  t.is(out, output)
})
