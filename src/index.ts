export { Feed, type FeedInfo, type AppendResult, type OpenOptions } from './feed.js'
export { Follower, type FollowOptions } from './follow.js'
export {
  type Entry, type ChatEntry, type EntryResult, type ReadableEntry, type UnreadableEntry,
  MAX_ENTRY_BYTES, chat, encodeEntry, decodeEntry, parseEntryJson, isChat, isUnreadable,
  formatHuman, formatJson, escapeTerminal
} from './entries.js'
export { LineInput, type LineInputOptions, type LineCommand } from './line-input.js'
export { Store, StorageRoot, defaultStorageDir, checkFeedName } from './storage.js'
export { Network, resolveNetworkOptions, parseBootstrap, type NetworkOptions, type NetworkFlags, type DhtNode } from './network/swarm.js'
export { BootstrapNode, LOCAL_HOST, LOCAL_PORT } from './network/local.js'
export { WsListener, WsPeer } from './network/ws-peers.js'
export { parseKey, toHex, toZ32, discoveryKeyOf } from './keys.js'
export { HyperfeedError, isHyperfeedError } from './errors.js'
export {
  type Block, type BlockTemplate, type ChainTip, type BlockCheck,
  GENESIS_PREV, DEFAULT_DIFFICULTY, MAX_DIFFICULTY,
  blockHash, preimage, leadingZeroBits, hexLeadingZeroBits, verifyBlock, ChainChecker, nextTemplate, toBlock, isBlockEntry
} from './blocks.js'
export { Miner, mineBlock, mineNext, parseBlockData, type Mined } from './mine.js'
