import test from 'brittle'
import { REASON_PREFIX, type Skip } from '../../scripts/skips.js'

// Registers `name` to run only where `missing` is null. Elsewhere it is
// skipped where everyone sees it: brittle marks its TAP line "# SKIP", the
// line printed here gives `missing` as the reason (say what is missing and how
// to get it), and scripts/test.ts lists both in its summary. Under
// HYPERFEED_NO_SKIPS=1 (CI) such a skip fails the run, unless the test runs
// only when asked for (optIn).
export function testIf (missing: string | null, name: string, opts: test.TestOptions, fn: test.TestFn, { optIn = false } = {}): void {
  if (missing !== null) {
    const reason: Skip = { name, reason: missing, optIn }
    console.log(REASON_PREFIX + JSON.stringify(reason))
  }
  test(name, { ...opts, skip: missing !== null }, fn)
}
