// Every failure a user can meet has a code, a one-line message, a process exit code
// and an HTTP status, so the CLI and the gateway report it the same way.

export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

export class HyperfeedError extends Error {
  readonly code: string
  readonly exitCode: number
  readonly status: number

  constructor (code: string, message: string, { exitCode = EXIT_FAILURE, status = 500 } = {}) {
    super(message)
    this.name = 'HyperfeedError'
    this.code = code
    this.exitCode = exitCode
    this.status = status
  }
}

export function isHyperfeedError (err: unknown): err is HyperfeedError {
  return err instanceof HyperfeedError
}

export const usage = (message: string) =>
  new HyperfeedError('USAGE', message, { exitCode: EXIT_USAGE, status: 400 })

export const invalidKey = (input: string) =>
  new HyperfeedError('INVALID_KEY', `not a feed key: ${JSON.stringify(shorten(input))} (expected 64 hex characters, a 52-character z32 key, or a hyperfeed: invite)`, { exitCode: EXIT_USAGE, status: 400 })

export const invalidEntry = (reason: string) =>
  new HyperfeedError('INVALID_ENTRY', `entry refused: ${reason}`, { status: 400 })

export const entryTooLarge = (bytes: number, max: number) =>
  new HyperfeedError('ENTRY_TOO_LARGE', `entry refused: ${bytes} bytes of JSON is over the ${max}-byte limit`, { status: 413 })

export const notWritable = (what: string) =>
  new HyperfeedError('NOT_WRITABLE', `${what} is read-only here: only the storage that created it can append`, { status: 403 })

export const notMember = (room: string) =>
  new HyperfeedError('NOT_MEMBER', `this storage is not a member of room ${room} (not joined yet, or removed): it cannot post or invite`, { status: 403 })

export const foreignDirectory = (dir: string) =>
  new HyperfeedError('FOREIGN_DIRECTORY', `refusing to use ${dir} as storage: it is not empty and holds no hyperfeed storage (pass --storage with an empty or new directory)`)

export const storageLocked = (dir: string) =>
  new HyperfeedError('STORAGE_LOCKED', `storage ${dir} is in use by another hyperfeed process; stop it or pass --storage DIR to use another directory`)

export const storageUnusable = (dir: string, reason: string) =>
  new HyperfeedError('STORAGE_UNUSABLE', `cannot use storage ${dir}: ${reason}`)

export const feedNotFound = (what: string) =>
  new HyperfeedError('FEED_NOT_FOUND', what, { status: 404 })

export const noPeer = (key: string, seconds: number) =>
  new HyperfeedError('NO_PEER', `no peer found for ${key} within ${seconds}s`)

export const portInUse = (what: string) =>
  new HyperfeedError('PORT_IN_USE', `${what} is already in use`)

export const encryptedFeed = (key: string) =>
  new HyperfeedError('ENCRYPTED', `feed ${key} is private (encrypted): this copy keeps and shares its encrypted entries but cannot read them without the writer's invite (hyperfeed:...)`, { status: 403 })

export const closed = () => new HyperfeedError('CLOSED', 'already closed')

function shorten (s: string) {
  return s.length > 80 ? s.slice(0, 77) + '...' : s
}

// ---- mirrors (blind peers: `hyperfeed mirror`, `hyperfeed id`, MirrorClient) ----

export const invalidMirrorKey = (what: string, input: string) =>
  new HyperfeedError('INVALID_MIRROR_KEY', `not a ${what}: ${JSON.stringify(shorten(input))} (expected 64 hex characters or a 52-character z32 key)`, { exitCode: EXIT_USAGE, status: 400 })

export const mirrorUnreachable = (key: string, seconds: number) =>
  new HyperfeedError('MIRROR_UNREACHABLE', `mirror ${key} is unreachable (no connection within ${seconds}s); still trying, everything else keeps working`, { status: 502 })

export const identityInUse = (dir: string) =>
  new HyperfeedError('IDENTITY_IN_USE', `another hyperfeed process using storage ${dir} holds its network identity; mirrors see this one under a key of its own (its cores are kept, not announced)`, { status: 409 })
