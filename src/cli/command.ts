import type { Command } from 'paparam'
import type { Parsed } from './args.js'
import type { Output, Status } from './output.js'
import type { Shutdown } from './shutdown.js'
import type { Warnings } from './warnings.js'

export interface Context {
  stdout: Output
  status: Status
  env: NodeJS.ProcessEnv
  shutdown: Shutdown
  warnings: Warnings
}

export interface CommandDef {
  command: Command
  run: (p: Parsed, ctx: Context) => Promise<number>
}

export function define (command: Command, run: CommandDef['run']): CommandDef {
  return { command, run }
}

export function plural (n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`
}
