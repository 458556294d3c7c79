import fs from 'node:fs'
import { runCli, spawnCli, testnet } from './helpers/index.js'
import { ARTIFACTS, browser, chromiumMissing, openPage, seqs, type WatchedPage } from './helpers/browser.js'
import { testIf } from './helpers/skip.js'

const NO_BROWSER = chromiumMissing()

testIf(NO_BROWSER, 'the page shows existing entries: chat, blocks with validity, other entries', {}, async (t) => {
  const storage = await t.tmp()
  await runCli(['append', '--nick', 'alice', 'hello from the terminal'], { storage })
  await runCli(['mine', '--difficulty', '8', '{"amount":5}'], { storage })
  await runCli(['append', '--json', '{"type":"note","text":"a note"}'], { storage })
  const s = spawnCli(t, ['serve', '--name', 'default', '--port', '0', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage })
  const url = await s.line(/^http:\/\//)
  const b = await browser(t)
  const page = await openPage(b, url)
  await page.locator('.chat .bubble', { hasText: 'hello from the terminal' }).waitFor({ timeout: 10_000 })
  t.is(await page.locator('.chat .who').first().textContent(), 'alice')
  const card = page.locator('.block .card')
  await card.waitFor()
  t.ok((await card.textContent())!.includes('block #0'))
  t.is(await page.locator('.block .badge').textContent(), 'valid')
  t.ok((await page.locator('.block pre').textContent())!.includes('"amount":5'))
  t.ok((await page.locator('.other pre').textContent())!.includes('a note'))
  t.alike(await seqs(page), [0, 1, 2])
  await page.locator('#conn', { hasText: 'live' }).waitFor()
  t.is(await page.locator('#mode').textContent(), 'writer')
  t.ok(await page.locator('#compose').isVisible(), 'a writable feed has the message box')
  t.alike((page as WatchedPage).errors, [], 'no script errors')
})

testIf(NO_BROWSER, 'an entry appended by another process appears without reload', {}, async (t) => {
  const { flag } = await testnet(t)
  const w = spawnCli(t, ['write', '--nick', 'bob', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  w.write('before the page\n')
  const s = spawnCli(t, ['serve', key, '--port', '0', '--bootstrap', flag], { storage: await t.tmp() })
  const url = await s.line(/^http:\/\//)
  const page = await openPage(await browser(t), url)
  await page.locator('.bubble', { hasText: 'before the page' }).waitFor({ timeout: 15_000 })
  t.is(await page.locator('#mode').textContent(), 'read-only')
  t.absent(await page.locator('#compose').isVisible(), 'no message box on a read-only feed')
  w.write('typed while the page is open\n')
  await page.locator('.bubble', { hasText: 'typed while the page is open' }).waitFor({ timeout: 10_000 })
  t.alike(await seqs(page), [0, 1])
  await page.locator('#sync', { hasText: 'in sync' }).waitFor({ timeout: 10_000 })
  t.ok((await page.locator('#peers').textContent())!.match(/^[1-9]\d* peers?$/))
})

testIf(NO_BROWSER, 'posting from the page appends an entry that a separate view process receives; the page survives a server restart', {}, async (t) => {
  const { flag } = await testnet(t)
  const storage = await t.tmp()
  let s = spawnCli(t, ['serve', '--name', 'room', '--port', '0', '--difficulty', '8', '--bootstrap', flag], { storage })
  const url = await s.line(/^http:\/\//)
  const key = (await (await fetch(url + 'api/info')).json() as { key: string }).key
  const v = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: await t.tmp() })

  const page = await openPage(await browser(t), url)
  await page.locator('#conn', { hasText: 'live' }).waitFor({ timeout: 10_000 })
  await page.fill('#nick', 'carol')
  await page.fill('#text', 'sent from the browser')
  await page.press('#text', 'Enter')
  await v.line(/\] carol: sent from the browser$/, { timeout: 10_000 })
  await page.locator('.bubble', { hasText: 'sent from the browser' }).waitFor()
  t.is(await page.inputValue('#text'), '', 'the box is cleared once posted')

  await page.fill('#data', '{"paid": 12}')
  await page.fill('#difficulty', '8')
  await page.click('#mine button')
  await page.locator('.block .card', { hasText: '"paid":12' }).waitFor({ timeout: 20_000 })
  await v.line(/^#0 [0-9a-f]{12} \{"paid":12\}$/)

  // restart the server on the same port: the page reconnects and resumes without duplicates
  const port = new URL(url).port
  t.is((await s.stop()).code, 0)
  await page.locator('#conn', { hasText: 'reconnecting' }).waitFor({ timeout: 10_000 })
  s = spawnCli(t, ['serve', '--name', 'room', '--port', port, '--bootstrap', flag], { storage })
  await s.line(/^http:\/\//)
  await page.locator('#conn', { hasText: 'live' }).waitFor({ timeout: 15_000 })
  await fetch(url + 'api/entries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'after the restart', nick: 'dave' }) })
  await page.locator('.bubble', { hasText: 'after the restart' }).waitFor({ timeout: 10_000 })
  t.alike(await seqs(page), [0, 1, 2], 'every entry once, in order')

  fs.mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: ARTIFACTS + 'serve-page.png' })
  t.comment(`screenshot: ${ARTIFACTS}serve-page.png`)
  t.alike((page as WatchedPage).errors, [], 'no script errors')
})
