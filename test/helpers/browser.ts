import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import type test from 'brittle'
import { chromium, type Browser, type Page } from 'playwright-core'

// Debian's Chromium (as root, the test runner installs it when missing), or
// the browser HYPERFEED_CHROMIUM names; never a browser downloaded by a tool.
export const CHROMIUM = process.env.HYPERFEED_CHROMIUM || '/usr/bin/chromium'
export const ENABLE_BROWSER_TESTS = 'sudo apt-get install chromium'

// Why the browser tests cannot run here (null: they can).
export function chromiumMissing (): string | null {
  if (fs.existsSync(CHROMIUM)) return null
  return `no Chromium at ${CHROMIUM}: on Debian/Ubuntu run '${ENABLE_BROWSER_TESTS}' (elsewhere set HYPERFEED_CHROMIUM to a Chromium or Chrome binary)`
}
export const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url))

export type WatchedPage = Page & { errors: string[] }

export async function browser (t: test.Assert): Promise<Browser> {
  const b = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
  })
  t.teardown(() => b.close(), { order: -2 })
  return b
}

export async function openPage (b: Browser, url: string): Promise<WatchedPage> {
  const page = await b.newPage({ viewport: { width: 1100, height: 760 } }) as WatchedPage
  page.errors = []
  page.on('pageerror', err => page.errors.push(err.message))
  await page.goto(url)
  return page
}

export const seqs = (page: Page) => page.$$eval('#entries li', lis => lis.map(li => Number((li as HTMLElement).dataset.seq)))
