// Every failure a user can meet: one code, one message (a template), the
// process exit code the CLI ends with and the HTTP status the gateway answers.

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

const codes = new Set<string>()

// Every code a HyperfeedError can carry.
export const ERROR_CODES: ReadonlySet<string> = codes

function define<A extends unknown[]> (code: string, status: number, message: (...args: A) => string, exitCode = EXIT_FAILURE) {
  codes.add(code)
  return (...args: A) => new HyperfeedError(code, message(...args), { exitCode, status })
}

const shorten = (s: string) => s.length > 80 ? s.slice(0, 77) + '...' : s
const secs = (ms: number) => `${ms / 1000}s`

// usage: wrong arguments, flags or values
export const usage = define('USAGE', 400, (message: string) => message, EXIT_USAGE)
export const invalidKey = define('INVALID_KEY', 400, (input: string) =>
  `not a feed key: ${JSON.stringify(shorten(input))} (expected 64 hex characters, a 52-character z32 key, or a hyperfeed: invite)`, EXIT_USAGE)
export const invalidInvite = define('INVALID_INVITE', 400, (input: string) =>
  `not a room invite: ${JSON.stringify(shorten(input))} (expected hyperfeed-room:... as printed by room create or room invite, or a room key)`, EXIT_USAGE)
export const unknownCommand = define('UNKNOWN_COMMAND', 400, (name: string, known: string) =>
  `unknown command /${name} (${known}start a line with // to send text beginning with /)`)

// entries
export const invalidEntry = define('INVALID_ENTRY', 400, (reason: string) => `entry refused: ${reason}`)
export const badImportLine = define('BAD_IMPORT', 400, (line: number, reason: string) => `import refused (nothing was imported): line ${line}: ${reason}`)
export const entryTooLarge = define('ENTRY_TOO_LARGE', 413, (bytes: number, max: number) =>
  `entry refused: ${bytes} bytes of JSON is over the ${max}-byte limit`)

// storage
export const foreignDirectory = define('FOREIGN_DIRECTORY', 500, (dir: string) =>
  `refusing to use ${dir} as storage: it is not empty and holds no hyperfeed storage (pass --storage with an empty or new directory)`)
export const storageLocked = define('STORAGE_LOCKED', 500, (dir: string) =>
  `storage ${dir} is in use by another hyperfeed process; stop it or pass --storage DIR to use another directory`)
export const storageUnusable = define('STORAGE_UNUSABLE', 500, (dir: string, reason: string) => `cannot use storage ${dir}: ${reason}`)
export const storageMissing = define('STORAGE_MISSING', 404, (dir: string) => `no hyperfeed storage at ${dir}`)
export const notOpen = define('NOT_OPEN', 500, (what: string) => `${what} is not open`)
export const closed = define('CLOSED', 503, () => 'already closed')

// feeds
export const feedNotFound = define('FEED_NOT_FOUND', 404, (name: string, dir: string) =>
  `no feed named ${JSON.stringify(name)} in ${dir} (create it with: hyperfeed write --name ${name})`)
export const feedExists = define('FEED_EXISTS', 409, (name: string) => `a feed called "${name}" already exists here; import into a new --name`)
export const feedNotStored = define('FEED_NOT_STORED', 404, (key: string, dir: string) =>
  `feed ${key} is not in ${dir} (follow it first: hyperfeed view ${key})`)
export const notWritable = define('NOT_WRITABLE', 403, (what: string) =>
  `${what} is read-only here: only the storage that created it can append`)
export const encryptedFeed = define('ENCRYPTED', 403, (key: string) =>
  `feed ${key} is private (encrypted): this copy keeps and shares its encrypted entries but cannot read them without the writer's invite (hyperfeed:...)`)
export const notEncrypted = define('NOT_ENCRYPTED', 409, (name: string) =>
  `feed "${name}" already exists without encryption; use another --name for a private feed`)
export const noPeer = define('NO_PEER', 504, (key: string, ms: number) => `no peer found for ${key} within ${secs(ms)}`)
export const peerLost = define('PEER_LOST', 504, (key: string, ms: number, position: number, length: number) =>
  `lost every peer of ${key} for ${secs(ms)} before the download finished (${position}/${length})`)
export const malformedFeed = define('MALFORMED_FEED', 502, (key: string, position: number, length: number) =>
  `feed ${key} ends at entry ${position}, but its last block says it holds ${length}: its writer's packed blocks are malformed`)

// blocks and mining
export const miningExhausted = define('MINING_EXHAUSTED', 503, () => 'no nonce meets the difficulty for this block time; try again')
export const miningCancelled = define('MINING_CANCELLED', 409, () => 'mining cancelled: the chain moved on')
export const miningStopped = define('MINING_STOPPED', 503, () => 'mining stopped: shutting down')

// rooms
export const notMember = define('NOT_MEMBER', 403, (room: string) =>
  `this storage is not a member of room ${room} (not joined yet, or removed): it cannot post, mine or invite`)
export const notAMember = define('NOT_A_MEMBER', 404, (key: string) => `${key} is not a member of this room`)
export const notCreator = define('NOT_CREATOR', 403, (what?: string) => `only the room's creator can ${what ?? 'remove members'}`)
export const roleRefused = define('ROLE_REFUSED', 403, (reason: string) => `refused: ${reason}`)
export const badNick = define('BAD_NICK', 400, (reason: string) => `nick refused: ${reason}`, EXIT_USAGE)
export const removed = define('REMOVED', 403, () => 'this storage was removed from the room; a new member needs a new storage')
export const notApplied = define('NOT_APPLIED', 503, (what: string, ms: number) => `${what} did not take effect in the room within ${secs(ms)}`)
export const noMember = define('NO_MEMBER', 504, (room: string, ms: number, stored: string) =>
  `no member of room ${room} was reachable within ${secs(ms)}${stored === '' ? '' : `; printed ${stored} stored here`}`)
export const noInviter = define('NO_INVITER', 504, (room: string, ms: number) =>
  `no member of room ${room} that knows this invite was reachable within ${secs(ms)}`)
export const wrongEncryptionKey = define('WRONG_ENCRYPTION_KEY', 403, (room: string) =>
  `the invite's encryption key does not open room ${room} (its middle part was altered or copied wrong): ask a member for the invite again`)
export const inviteUsed = define('INVITE_USED', 409, (by: string) =>
  `this invite was already used (by ${by}); an invite lets one member in: ask a member for a new one`)
export const inviteClosed = define('INVITE_CLOSED', 409, (why: string) => `this invite is ${why}: ask a member for a new one`)
export const noSuchInvite = define('NO_SUCH_INVITE', 404, (id: string) => `no invite of this room matches ${JSON.stringify(id.slice(0, 64))} (room invites lists them; give 6 or more hex characters of its ID)`)
export const notInviteMaker = define('NOT_INVITE_MAKER', 403, () => 'only the member who made an invite, or the room\'s creator, can revoke it')
export const noEpochKey = define('NO_EPOCH_KEY', 503, (ms: number) =>
  `this member does not hold the room's current key yet (no member handed it over within ${secs(ms)}): posts wait until a member that holds it is online`)
export const noEncryptionKey = define('NO_ENCRYPTION_KEY', 403, () => 'this copy of the room has no encryption key, so it cannot invite')
export const roomNotOpen = define('ROOM_NOT_OPEN', 403, (room: string) =>
  `room ${room} is not open: joining it needs an invite (hyperfeed-room:...) from a member`)
export const encryptedRoom = define('ENCRYPTED_ROOM', 403, (key: string) =>
  `room ${key} is encrypted: this copy keeps and shares its entries for the members but cannot read them or post without an invite (hyperfeed-room:...)`)
export const notDelivered = define('NOT_DELIVERED', 504, (ms: number) =>
  `the block is posted here but reached no other member within ${secs(ms)}; it goes out when this storage is next online with one`)
export const roomNotFound = define('ROOM_NOT_FOUND', 404, (name: string, dir: string) =>
  `no room named "${name}" in ${dir} (create one with: hyperfeed room create --name ${name}, or join one with: hyperfeed room join INVITE --name ${name})`)
export const roomExists = define('ROOM_EXISTS', 409, (name: string) =>
  `a room named "${name}" already exists here; open it with: hyperfeed room chat --name ${name}`)
export const roomNameTaken = define('ROOM_NAME_TAKEN', 409, (name: string) => `another room is already called "${name}" here; pick another --name`)
export const alreadyMember = define('ALREADY_MEMBER', 409, (name: string) =>
  `this storage is a member of room "${name}" already: use hyperfeed room chat --name ${name}`)
export const roomNotJoined = define('ROOM_NOT_JOINED', 409, (name: string) =>
  `room "${name}" is not joined yet: finish with hyperfeed room join INVITE --name ${name}`)
export const roomUnlisted = define('ROOM_UNLISTED', 409, (name: string, dir: string) =>
  `${dir} holds a room's data but no summary (${name}.json); nothing was deleted: pick another --name, or move that folder away yourself`)
export const roomBusy = define('ROOM_BUSY', 409, (name: string) =>
  `room "${name}" is open in another hyperfeed process (room chat or serve --room); use it there: /invite, /members and /remove KEY in the chat, or the gateway's POST /api/invites, GET /api/members and DELETE /api/members/KEY`)

// network
export const portInUse = define('PORT_IN_USE', 500, (what: string) => `${what} is already in use`)
export const badListen = define('BAD_LISTEN', 500, (host: string) => `cannot listen on ${host}: not an address of this machine (--listen)`)
export const badBootstrap = define('BAD_BOOTSTRAP', 500, (host: string) => `cannot resolve bootstrap host ${JSON.stringify(host)}`)
export const lanInterface = define('LAN_INTERFACE', 500, (reason: string) => `--lan found no network interface to use (${reason}); pick one with --lan-interface NAME`)
export const lanUnavailable = define('LAN', 500, (iface: string, address: string, reason: string) =>
  `--lan cannot use multicast DNS on ${iface} (${address}): ${reason}`)

// the gateway's HTTP answers
export const badRequest = define('BAD_REQUEST', 400, (reason: string) => reason)
export const notFound = define('NOT_FOUND', 404, (path: string) => `no such path: ${path}`)
export const methodNotAllowed = define('METHOD_NOT_ALLOWED', 405, (method: string, path: string, hint: string) =>
  `${method} is not allowed on ${path}${hint === '' ? '' : ` (${hint})`}`)
export const hostNotAllowed = define('HOST_NOT_ALLOWED', 403, () => 'this server only answers to loopback host names')
export const crossOrigin = define('CROSS_ORIGIN', 403, () => 'cross-origin requests cannot write to this server')
export const tokenRequired = define('TOKEN_REQUIRED', 401, (what: string = 'to write') =>
  `this server needs "Authorization: Bearer TOKEN" (the token hyperfeed serve printed) ${what}`)
export const notJson = define('NOT_JSON', 415, () => 'send the body as application/json')
export const bodyTooLarge = define('BODY_TOO_LARGE', 413, (max: number) => `the body is over ${max} bytes`)
export const notAvailable = define('NOT_AVAILABLE', 504, (upto: number) => `entries up to ${upto} are not available from any peer yet`)
export const noNetwork = define('NO_NETWORK', 503, () => 'this server has no network')
export const readOnlyFeed = define('READ_ONLY', 403, () => 'this feed is read-only here: only its writer can mine blocks')
export const indexStopped = define('INDEX_STOPPED', 500, (reason: string) => `the feed's chain index stopped: ${reason}`)
export const requestFailed = define('REQUEST_FAILED', 500, (request: string, reason: string) => `${request} answered 500: ${reason}`)

// mirrors (blind peers: `hyperfeed mirror`, `hyperfeed id`, MirrorClient)
export const invalidMirrorKey = define('INVALID_MIRROR_KEY', 400, (what: string, input: string) =>
  `not a ${what}: ${JSON.stringify(shorten(input))} (expected 64 hex characters or a 52-character z32 key)`, EXIT_USAGE)
export const mirrorUnreachable = define('MIRROR_UNREACHABLE', 502, (key: string, seconds: number) =>
  `mirror ${key} is unreachable (no connection within ${seconds}s); still trying, everything else keeps working`)
export const identityInUse = define('IDENTITY_IN_USE', 409, (dir: string) =>
  `another hyperfeed process using storage ${dir} holds its network identity; mirrors see this one under a key of its own (its cores are kept, not announced)`)
