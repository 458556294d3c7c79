#!/usr/bin/env node
// libuv sizes its thread pool from this variable when the pool first starts,
// and Node's ESM loader starts it before main.js runs. A CommonJS entry runs
// first. RocksDB works on that pool; one thread syncs faster on small machines
// than four contending for the cores (docs/performance.md).
process.env.UV_THREADPOOL_SIZE ??= '1'

import('./main.js').catch((err: unknown) => {
  process.stderr.write(`hyperfeed: ${(err as Error)?.message ?? String(err)}\n`)
  process.exit(1)
})
