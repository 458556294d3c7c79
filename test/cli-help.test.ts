import test from 'brittle'
import { runCli } from './helpers/index.js'

const COMMANDS = ['write', 'view', 'append', 'key', 'mine', 'verify', 'serve', 'info', 'bootstrap']

test('help is generated from each command\'s declaration: every command and every flag is listed', async (t) => {
  const top = await runCli(['--help'])
  t.is(top.code, 0)
  for (const name of COMMANDS) t.ok(new RegExp(`^\\s+${name}\\s+\\S`, 'm').test(top.out), `hyperfeed --help lists ${name}`)
  const view = await runCli(['view', '--help'])
  t.is(view.code, 0)
  for (const f of ['--json', '--start <n>', '--once', '--timeout <seconds>', '--storage <dir>', '--local', '--bootstrap', '--peer <url>', '--no-swarm', '--max-peers <n>']) {
    t.ok(view.out.includes(f), `view --help shows ${f}`)
  }
  const serve = await runCli(['serve', '-h'])
  t.ok(serve.out.includes('--token <token>'), 'serve -h')
  const version = await runCli(['--version'])
  t.ok(/^\d+\.\d+\.\d+$/.test(version.stdout[0] ?? ''), version.out)
})
