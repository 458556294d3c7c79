#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { type Bail, type Command, bail, command, flag, footer, header } from 'paparam'
import { EXIT_FAILURE, EXIT_USAGE, invalidKey, isHyperfeedError, usage } from '../errors.js'
import type { CommandDef, Context } from './command.js'
import { Output, Status } from './output.js'
import { Shutdown } from './shutdown.js'
import { Warnings } from './warnings.js'
import write from './write.js'
import view from './view.js'
import append from './append.js'
import key from './key.js'
import mine from './mine.js'
import verify from './verify.js'
import serve from './serve.js'
import info from './info.js'
import bootstrap from './bootstrap.js'
import mirror from './mirror.js'
import id from './id.js'
import exportCommand from './export.js'
import importCommand from './import.js'
import search from './search.js'
import { ROOM_COMMANDS, room } from './room/index.js'

export const COMMANDS: CommandDef[] = [write, view, append, key, mine, verify, serve, info, bootstrap, mirror, id, exportCommand, importCommand, search]
const NAMES = [...COMMANDS.map(c => c.command.name), 'room']
// commands whose first argument is a feed KEY
const KEY_COMMANDS = ['view', 'verify', 'serve', 'info', 'export']

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function describeBail (b: Bail, argv: string[]): string {
  const path: string[] = []
  for (let c: Command | null = b.command; c?.parent; c = c.parent) path.unshift(c.name)
  const where = path.length > 0 ? `${path.join(' ')}: ` : ''
  if (b.reason === 'UNKNOWN_FLAG') return `${where}unknown option ${b.flag!.long ? '--' : '-'}${b.flag!.name}`
  if (b.reason === 'INVALID_FLAG') {
    const name = `--${b.flag!.name}`
    if (b.flag!.value) return `${where}${name} does not take a value`
    const next = argv[argv.indexOf(name) + 1]
    if (next !== undefined && next.startsWith('-') && next.length > 1) return `${where}${name} needs a value (to pass a value that starts with '-', write ${name}=VALUE)`
    return `${where}${name} needs a value`
  }
  if (b.reason === 'UNKNOWN_ARG') {
    // paparam takes an empty argument for the end of the arguments
    const first = b.arg!.value.split(' ')[0]
    if (first === '' && KEY_COMMANDS.includes(b.command.name)) return invalidKey('').message
    if (b.command.name === 'room' && path.length === 1) return `unknown room command ${JSON.stringify(first)} (room commands: ${ROOM_COMMANDS.map(c => c.command.name).join(', ')})`
    if (!b.command.parent) return `unknown command ${JSON.stringify(b.arg!.value)} (commands: ${NAMES.join(', ')})`
    return `${where}unexpected argument ${JSON.stringify(first)}`
  }
  if (b.reason === 'MISSING_ARG') return `${where}missing ${b.arg!.value}`
  return `${where}${b.reason.split('\n')[0]}`
}

export async function main (argv: string[], ctx: Context): Promise<number> {
  let bailed: string | null = null
  const runs = new Map<Command, CommandDef['run']>([...COMMANDS, ...ROOM_COMMANDS].map(c => [c.command, c.run]))
  const program = command('hyperfeed',
    header('Publish a live feed from one machine and follow it from others, peer to peer.'),
    footer('Two terminals on one machine:  hyperfeed write --local   /   hyperfeed view KEY --local\nRun \'hyperfeed <command> --help\' for a command\'s options.'),
    flag('--version|-v', 'print the version'),
    ...COMMANDS.map(c => c.command),
    room,
    bail((b) => { bailed = describeBail(b, argv) })
  )
  const parsed = program.parse(argv, { run: false })
  if (bailed !== null) throw usage(bailed)
  if (parsed === null) return 0 // --help was printed
  if (parsed === program) {
    if (parsed.flags.version === true) {
      await ctx.stdout.line(version())
      return 0
    }
    ctx.status.info(`hyperfeed: missing command (${NAMES.join(', ')}); see hyperfeed --help`)
    return EXIT_USAGE
  }
  const run = runs.get(parsed)
  if (run === undefined) {
    ctx.status.info(`hyperfeed: ${parsed.name} needs a command (${parsed.name} --help lists them)`)
    return EXIT_USAGE
  }
  return run({ flags: parsed.flags, args: parsed.args, positionals: parsed.positionals, rest: parsed.rest ?? [] }, ctx)
}

export function report (err: unknown, ctx: Pick<Context, 'status' | 'env'>): number {
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
  const status = new Status(process.stderr)
  const ctx: Context = { stdout: new Output(process.stdout), status, env: process.env, shutdown: new Shutdown(), warnings: new Warnings(status) }
  await ctx.shutdown.ready()
  // Whatever escapes (a peer's stream error, a bug) still ends as one line, not a stack trace.
  const fatal = (err: unknown) => {
    process.exitCode = report(err, ctx)
    process.exit()
  }
  process.on('uncaughtException', fatal)
  process.on('unhandledRejection', fatal)
  let code: number
  try {
    code = await main(process.argv.slice(2), ctx)
  } catch (err) {
    code = report(err, ctx)
  }
  await ctx.shutdown.close()
  await ctx.stdout.flush()
  process.exit(code)
}

run().catch(err => {
  process.stderr.write(`hyperfeed: ${(err as Error)?.message ?? String(err)}\n`)
  process.exit(EXIT_FAILURE)
})
