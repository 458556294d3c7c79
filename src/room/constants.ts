// A room's minimum proof of work for blocks, fixed when it is created.
export const DEFAULT_ROOM_DIFFICULTY = 12
// How often an indexer acknowledges what it has seen (Autobase's default is
// 10 s). Each settling step takes one or two rounds of acknowledgements, so at
// 10 s a room with several indexers took 35-45 s to settle a removal.
export const ROOM_ACK_INTERVAL = 1000
