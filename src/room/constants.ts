// A room's minimum proof of work for blocks, fixed when it is created.
export const DEFAULT_ROOM_DIFFICULTY = 12
