// blind-peer's own storage cap when none is given (100 GB). Here, apart from
// mirror.ts, so that the CLI's help does not load blind-peer.
export const DEFAULT_MAX_BYTES = 100_000_000_000
