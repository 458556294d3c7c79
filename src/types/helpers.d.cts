declare module 'graceful-goodbye' {
  function goodbye (fn: () => unknown, position?: number): () => void
  namespace goodbye {
    const exiting: boolean
    function exit (): void
  }
  export = goodbye
}

declare module 'safety-catch' {
  function safetyCatch (err: unknown): void
  export = safetyCatch
}

declare module 'hypercore-id-encoding' {
  export function encode (key: Uint8Array): string
  export function decode (id: string | Uint8Array): Buffer
  export function normalize (id: string | Uint8Array): string
  export function isValid (id: string | Uint8Array): boolean
}

declare module 'paparam' {
  namespace paparam {
    interface Bail {
      reason: string
      flag?: { name: string, value?: string, long?: boolean, inverse?: boolean } | null
      arg?: { value: string } | null
      err?: unknown
      command: Command
    }

    interface Flag {
      name: string
      boolean: boolean
      aliases: string[]
      multiple(): Flag
      hide(): Flag
    }

    interface Modifier { readonly __modifier?: true }

    interface Command {
      readonly name: string
      readonly parent: Command | null
      readonly summary: string
      readonly description: string
      flags: Record<string, string | boolean | string[] | undefined>
      args: Record<string, string | undefined>
      positionals: string[]
      rest: string[] | null
      parse(argv?: string[], opts?: { run?: boolean, silent?: boolean, sync?: boolean, bails?: boolean }): Command | null
      help(...subcommands: string[]): string
      usage(...subcommands: string[]): string
      add(...modifiers: (Modifier | Flag | Command)[]): Command
    }
  }

  export function command (name: string, ...modifiers: (paparam.Modifier | paparam.Flag | paparam.Command | (() => unknown))[]): paparam.Command
  export function flag (spec: string, description?: string): paparam.Flag
  export function arg (spec: string, description?: string): paparam.Modifier
  export function rest (spec: string, description?: string): paparam.Modifier
  export function summary (text: string): paparam.Modifier
  export function description (text: string): paparam.Modifier
  export function header (text: string): paparam.Modifier
  export function footer (text: string): paparam.Modifier
  export function bail (fn: (bail: paparam.Bail) => unknown): paparam.Modifier
  export function sloppy (opts: { flags?: boolean, args?: boolean }): paparam.Modifier
  export type Command = paparam.Command
  export type Bail = paparam.Bail
}
