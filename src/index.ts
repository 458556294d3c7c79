/// <reference path="./types/hypercore.d.cts" preserve="true" />
/// <reference path="./types/corestore.d.cts" preserve="true" />
/// <reference path="./types/hyperdht.d.cts" preserve="true" />
/// <reference path="./types/hyperswarm.d.cts" preserve="true" />
/// <reference path="./types/helpers.d.cts" preserve="true" />
/// <reference path="./types/small.d.cts" preserve="true" />
/// <reference path="./types/autobase.d.cts" preserve="true" />
/// <reference path="./types/multicast-dns.d.cts" preserve="true" />
/// <reference path="./types/rocksdb-native.d.cts" preserve="true" />
/// <reference path="./types/blind-peer.d.cts" preserve="true" />
// The public API, documented in docs/library.md.

export { Feed, type FeedInfo, type FeedSource, type AppendResult, type OpenOptions } from './feed/feed.js'
export type { Follower, FollowOptions } from './feed/follow.js'
export { openFeed, type FeedAccess, type FeedReference, type OpenedFeed } from './feed/open.js'
export { syncOnce, type SyncOptions, type SyncResult } from './feed/sync.js'
export { Store, defaultStorageDir } from './storage.js'
export { parseKey, parseFeedRef, toHex, toZ32 } from './keys.js'

export {
  type Entry, type ChatEntry, type EntryResult, type ReadableEntry, type UnreadableEntry,
  MAX_ENTRY_BYTES, chat, encodeEntry, decodeEntry, parseEntryJson, isChat, isUnreadable,
  formatHuman, formatJson, escapeTerminal
} from './entries.js'

export {
  type Block, type BlockTemplate, type ChainTip, type BlockCheck,
  GENESIS_PREV, DEFAULT_DIFFICULTY, MAX_DIFFICULTY, blockHash, verifyBlock, nextTemplate
} from './chain/block.js'
export { mineBlock, type Mined } from './chain/mine.js'
export { BlockWriter } from './feed/block-writer.js'
export { verifyChain, type ChainReport } from './feed/verify.js'

export { Network, type Replicable, type PeerSummary } from './network/swarm.js'
export type { NetworkOptions, DhtNode } from './network/options.js'
export { BootstrapNode, type BootstrapNodeOptions } from './network/local.js'

export { Room, type Member, type RoomInfo, type InviteInfo } from './room/room.js'
export { type RoleChange } from './room/promote.js'
export { names, nickProblem } from './room/names.js'
export type { RoomFollower, RoomEntry, RoomFollowOptions } from './room/follow.js'
export { parseRoomRef, formatInvite, type RoomInvite, type RoomRef } from './room/invites.js'
export { createRoom, openRoom, openRoomToJoin, discardRoom, listRooms } from './room/open.js'

export { type EntryRef, type AuthorRef, refTo } from './messages/refs.js'
export { editEntry, deleteEntry, reactionEntry, replyEntry } from './messages/entry-types.js'
export { Resolver, type Update } from './messages/resolver.js'
export { type ResolvedMessage, formatResolvedJson } from './messages/resolved.js'
export { type EntryFilter, parseFilter, filterFromUrl, matchesEntry } from './filter.js'
export { parseTime } from './time-spec.js'
export { LocalSearch, searchDir } from './search/local.js'
export { feedSource, roomSource } from './search/updater.js'
export type { SearchHit, SearchOptions } from './search/query.js'
export { exportLines, feedExport, roomExport, type ExportSource } from './export/export.js'
export { ExportReader, parseExport, type ParsedExport } from './export/lines.js'
export { importExport, type ImportResult } from './export/import.js'

export { Gateway, type GatewayOptions, type FeedStatus } from './serve/gateway.js'
export { RoomGateway, type RoomGatewayOptions, type RoomStatus } from './serve/room-gateway.js'

export { HyperfeedError, isHyperfeedError, ERROR_CODES } from './errors.js'

export { openMirror } from './mirror/load.js'
export type { Mirror, MirrorOptions, MirrorStats } from './mirror/mirror.js'
export { MirrorClient, type MirrorClientOptions, type KeepOptions } from './mirror/client.js'
export { parseMirrorKey } from './mirror/keys.js'
export { IdentityHold } from './mirror/identity.js'
export { FeedMirrors, type FeedMirrorsOptions, MIRRORS_TYPE } from './mirror/feed-mirrors.js'
export { RoomMirrors } from './mirror/room-mirrors.js'
