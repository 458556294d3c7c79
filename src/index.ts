/// <reference path="./types/hypercore.d.cts" preserve="true" />
/// <reference path="./types/corestore.d.cts" preserve="true" />
/// <reference path="./types/hyperdht.d.cts" preserve="true" />
/// <reference path="./types/hyperswarm.d.cts" preserve="true" />
/// <reference path="./types/helpers.d.cts" preserve="true" />
/// <reference path="./types/small.d.cts" preserve="true" />
/// <reference path="./types/autobase.d.cts" preserve="true" />
/// <reference path="./types/multicast-dns.d.cts" preserve="true" />
/// <reference path="./types/blind-peer.d.cts" preserve="true" />
export { Feed, type FeedInfo, type FeedSource, type AppendResult, type OpenOptions } from './feed/feed.js'
export { Follower, type FollowOptions } from './feed/follow.js'
export { openFeed, type FeedAccess, type FeedReference, type OpenedFeed } from './feed/open.js'
export { syncOnce, type SyncOptions, type SyncResult } from './feed/sync.js'
export { Store, StorageRoot, defaultStorageDir, checkFeedName } from './feed/storage.js'
export {
  type Entry, type ChatEntry, type EntryResult, type ReadableEntry, type UnreadableEntry,
  MAX_ENTRY_BYTES, chat, encodeEntry, decodeEntry, parseEntryJson, isChat, isUnreadable,
  formatHuman, formatJson, escapeTerminal
} from './entries.js'
export { LineInput, type Appender, type LineInputOptions, type LineCommand } from './input.js'
export { Network, type Replicable, type PeerSummary } from './network/swarm.js'
export { resolveNetworkOptions, parseBootstrap, type NetworkOptions, type NetworkFlags, type DhtNode } from './network/options.js'
export { BootstrapNode, LOCAL_HOST, LOCAL_PORT } from './network/local.js'
export { WsListener, WsPeer } from './network/ws-peers.js'
export { parseKey, parseFeedRef, toHex, toZ32, discoveryKeyOf } from './keys.js'
export { HyperfeedError, isHyperfeedError } from './errors.js'
export {
  type Block, type BlockTemplate, type ChainTip, type BlockCheck,
  GENESIS_PREV, DEFAULT_DIFFICULTY, MAX_DIFFICULTY,
  blockHash, preimage, leadingZeroBits, hexLeadingZeroBits, verifyBlock, ChainChecker, nextTemplate, toBlock, isBlockEntry
} from './chain/block.js'
export { Miner, mineBlock, parseBlockData, type Mined } from './chain/mine.js'
export { BlockWriter, mineNext } from './chain/block-writer.js'
export { verifyChain, type ChainReport } from './chain/verify.js'
export { ChainIndex } from './chain/chain-index.js'
export { Gateway, type GatewayOptions, type FeedStatus } from './serve/gateway.js'
export { Room, type Member, type RoomInfo } from './room/room.js'
export { RoomFollower, type RoomEntry, type RoomFollowOptions } from './room/follow.js'
export { parseRoomRef, formatInvite, type RoomInvite, type RoomRef } from './room/invites.js'
export { RoomChain, RoomMiner, type ChainSummary, type MainBlock, type BlockMark, type RoomMined } from './room/chain.js'
export { RoomRelay } from './room/relay.js'
export { createRoom, openRoom, openRoomToJoin, openRoomRelay, discardRoom, listRooms } from './room/open.js'
export { RoomGateway, type RoomGatewayOptions, type RoomStatus } from './serve/room-gateway.js'
export { Gossip, type PeerAddress } from './network/gossip.js'
export { packBlocks, decodeBlock, type PackOptions, type BlockContent, PACK_ENTRIES, PACK_BYTES, MAX_PACKED_ENTRY_BYTES } from './feed/pack.js'
export { EntryIndex } from './feed/entry-index.js'
export { openMirror } from './mirror/load.js'
export type { Mirror, MirrorOptions, MirrorStats, MirrorEvents, CoreAdded, AnnounceDowngraded, HeldCore } from './mirror/mirror.js'
export { MirrorClient, UNREACHABLE_AFTER, type MirrorClientOptions, type MirrorClientEvents, type KeepOptions } from './mirror/client.js'
export { MirrorDht } from './mirror/dht.js'
export { DEFAULT_MAX_BYTES } from './mirror/limits.js'
export { IdentityHold, loadIdentity, IDENTITY_FILE, type KeyPair } from './mirror/identity.js'
export { parseMirrorKey, parseMirrorKeys } from './mirror/keys.js'
export { MetricsServer } from './mirror/metrics-server.js'
