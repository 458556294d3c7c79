import { fileURLToPath } from 'node:url'
import type test from 'brittle'
import { chromium, type Browser, type Page } from 'playwright-core'

// Debian's Chromium (the test runner installs it when missing); never a
// browser downloaded by a tool.
const CHROMIUM = '/usr/bin/chromium'
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
