import { runCli, spawnCli } from './helpers/index.js'
import { browser, chromiumMissing, openPage, type WatchedPage } from './helpers/browser.js'
import { testIf } from './helpers/skip.js'

const NO_BROWSER = chromiumMissing()
const chat = (text: string) => JSON.stringify({ type: 'chat', nick: 'alice', text, time: 1_714_570_000_000 })

testIf(NO_BROWSER, 'the page: a 900 KB entry folds with "show all", edits, deletes and reactions show on their message, the search box finds, the view stays at the end', {}, async (t) => {
  const storage = await t.tmp()
  const values = [
    chat('helo'),
    JSON.stringify({ type: 'note', text: 'x'.repeat(900_000) }),
    chat('oops'),
    JSON.stringify({ type: 'edit', ref: 0, text: 'hello there' }),
    JSON.stringify({ type: 'reaction', ref: 0, reaction: '👍' }),
    JSON.stringify({ type: 'delete', ref: 2 }),
    ...Array.from({ length: 30 }, (_, i) => chat(`filler ${i}`))
  ]
  const made = await runCli(['import', '--name', 'default'], { storage, input: values.map((v, i) => `{"seq":${i},"value":${v}}`).join('\n') + '\n' })
  t.is(made.code, 0, made.err)
  const s = spawnCli(t, ['serve', '--name', 'default', '--port', '0', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage })
  const url = await s.line(/^http:\/\//)
  const page = await openPage(await browser(t), url)
  await page.locator('.bubble', { hasText: 'filler 29' }).waitFor({ timeout: 15_000 }).catch((err) => { throw new Error(String(err) + ' page errors: ' + JSON.stringify((page as WatchedPage).errors)) })
  const first = page.locator('li[data-seq="0"] .bubble')
  t.ok((await first.textContent())!.includes('hello there'), 'the latest text')
  t.ok(await first.locator('.edited').isVisible(), '(edited)')
  t.is(await first.locator('.reactions').textContent(), '👍 1')
  t.is(await page.locator('li[data-seq="2"] .text').textContent(), '(deleted)')
  const big = page.locator('li[data-seq="1"] pre')
  t.ok((await big.boundingBox())!.height < 300, 'the 900 KB entry is folded to a few lines')
  t.ok(await page.locator('li[data-seq="1"] .more', { hasText: 'show all' }).isVisible())
  const atEnd = await page.evaluate(() => { const s = document.getElementById('scroller')!; return s.scrollHeight - s.scrollTop - s.clientHeight < 80 })
  t.ok(atEnd, 'the view is at the end')
  await page.locator('li[data-seq="1"] .more').click()
  t.ok((await big.boundingBox())!.height > 300, 'show all unfolds it')
  await page.fill('#query', 'fill')
  await page.press('#query', 'Enter')
  await page.locator('#results .resultshead', { hasText: 'found' }).waitFor({ timeout: 10_000 })
  t.is(await page.locator('#results li').first().getAttribute('data-seq'), '35', 'newest first')
  t.alike((page as WatchedPage).errors, [], 'no script errors')
})
