// How a test file says that it skipped a test and why, and how the runner
// reads it back from the file's output. brittle marks a skipped test's TAP
// line "# SKIP" (and counts it as passed); the reason is a line of its own,
// printed when the test is registered (test/helpers/skip.ts).
export const REASON_PREFIX = '# skip-reason '

export interface Skip {
  name: string
  reason: string
  // runs only when asked for (a long soak): never a failure to skip
  optIn: boolean
}

const SKIP_LINE = /^ok \d+ - (.*) # SKIP$/

// The tests a file's TAP output shows as skipped, each with its reason.
export function skipsIn (output: string): Skip[] {
  const reasons = new Map<string, Skip>()
  const skipped: string[] = []
  for (const line of output.split('\n')) {
    if (line.startsWith(REASON_PREFIX)) {
      try {
        const r = JSON.parse(line.slice(REASON_PREFIX.length)) as Skip
        reasons.set(r.name, r)
      } catch {}
    }
    const m = SKIP_LINE.exec(line)
    if (m !== null) skipped.push(m[1]!)
  }
  return skipped.map(name => reasons.get(name) ?? { name, reason: '(the test gave no reason)', optIn: false })
}

// Top-level tests in a file's TAP output: passed (skips excluded), failed.
export function countsIn (output: string): { passed: number, failed: number } {
  let passed = 0
  let failed = 0
  for (const line of output.split('\n')) {
    if (/^not ok \d+ /.test(line)) failed++
    else if (/^ok \d+ /.test(line) && !SKIP_LINE.test(line)) passed++
  }
  return { passed, failed }
}
