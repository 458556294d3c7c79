#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { EXIT_FAILURE, EXIT_USAGE, isHyperfeedError } from '../errors.js'
import { Output, Status } from './io.js'

// RocksDB runs its work on libuv's thread pool. With the default four threads
// on a small machine, replication spends a third of its time switching between
// them; one thread syncs a feed about twice as fast (see the README's
// Performance section). Set before anything uses the pool.
process.env.UV_THREADPOOL_SIZE ??= '1'

export interface Context {
  stdout: Output
  status: Status
  env: NodeJS.ProcessEnv
}

type Command = (argv: string[], ctx: Context) => Promise<number>

const COMMANDS: Record<string, { summary: string, load: () => Promise<Command> }> = {
  write: { summary: 'create or reopen a feed and append each line of stdin', load: async () => (await import('./write.js')).default },
  view: { summary: 'print a feed by its key, then new entries live', load: async () => (await import('./view.js')).default },
  append: { summary: 'append one entry offline and exit', load: async () => (await import('./append.js')).default },
  key: { summary: 'print the key of a named feed', load: async () => (await import('./key.js')).default },
  mine: { summary: 'mine the next block of a feed offline and append it', load: async () => (await import('./mine.js')).default },
  verify: { summary: 'check every block of a feed\'s chain', load: async () => (await import('./verify.js')).default },
  serve: { summary: 'serve a feed over HTTP: JSON API, /live WebSocket and a web page', load: async () => (await import('./serve.js')).default },
  info: { summary: 'show what this storage holds of a feed', load: async () => (await import('./info.js')).default },
  bootstrap: { summary: 'run a DHT bootstrap node for offline or LAN use', load: async () => (await import('./bootstrap.js')).default }
}

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export const USAGE = `usage: hyperfeed <command> [options]

Publish a live feed from one machine and follow it from others, peer to peer.

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'hyperfeed <command> --help' for a command's options.
Two terminals on one machine:  hyperfeed write --local   /   hyperfeed view KEY --local`

export async function main (argv: string[], ctx: Context): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    ctx.status.info(`hyperfeed: missing command (${Object.keys(COMMANDS).join(', ')}); see hyperfeed --help`)
    return EXIT_USAGE
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    await ctx.stdout.line(USAGE)
    return 0
  }
  if (name === '--version' || name === '-v') {
    await ctx.stdout.line(version())
    return 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    ctx.status.info(`hyperfeed: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')})`)
    return EXIT_USAGE
  }
  try {
    return await (await command.load())(rest, ctx)
  } catch (err) {
    return report(err, ctx)
  }
}

export function report (err: unknown, ctx: Context): number {
  if (isHyperfeedError(err)) {
    ctx.status.info(`hyperfeed: ${err.message}`)
    return err.exitCode
  }
  const e = err as NodeJS.ErrnoException
  ctx.status.info(`hyperfeed: ${e?.message ?? String(err)}`)
  if (ctx.env.HYPERFEED_DEBUG) ctx.status.info(String(e?.stack))
  return EXIT_FAILURE
}

async function run (): Promise<void> {
  const ctx: Context = { stdout: new Output(process.stdout), status: new Status(process.stderr), env: process.env }
  // Whatever escapes (a peer's stream error, a bug) still ends as one line, not a stack trace.
  const fatal = (err: unknown) => {
    process.exitCode = report(err, ctx)
    process.exit()
  }
  process.on('uncaughtException', fatal)
  process.on('unhandledRejection', fatal)
  const code = await main(process.argv.slice(2), ctx)
  await ctx.stdout.flush()
  process.exit(code)
}

run().catch(err => {
  process.stderr.write(`hyperfeed: ${(err as Error)?.message ?? String(err)}\n`)
  process.exit(EXIT_FAILURE)
})
