import fs from 'node:fs'
import { spawnCli, testnet } from './helpers/index.js'
import { ARTIFACTS, browser, chromiumMissing, openPage } from './helpers/browser.js'
import { testIf } from './helpers/skip.js'
import { createRoom, joinRoom, stop } from './helpers/rooms.js'

const NO_BROWSER = chromiumMissing()

testIf(NO_BROWSER, 'the room page shows who posted what, the members, live posts from two members, and posts as this member', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const net = ['--bootstrap', flag]
  const { invite, member: alice } = await createRoom(t, net)
  const bob = await joinRoom(t, invite, net, { nick: 'bob' })
  alice.cli!.write('hello from the terminal\n')
  await bob.cli!.line(/alice: hello from the terminal$/)
  await stop(alice)

  const s = spawnCli(t, ['serve', '--room', 'r', '--port', '0', '--nick', 'alice', ...net], { storage: alice.storage })
  const url = await s.line(/^http:\/\//)
  const page = await openPage(await browser(t), url)
  await page.locator('.bubble', { hasText: 'hello from the terminal' }).waitFor({ timeout: 15_000 })
  await page.locator('#conn', { hasText: 'live' }).waitFor()
  t.is(await page.locator('#mode').textContent(), 'member')
  await page.locator('#members', { hasText: '2 members' }).waitFor({ timeout: 10_000 })
  t.alike(await page.$$eval('#memberlist .who', els => els.map(e => e.firstChild!.textContent)), ['alice', 'bob'])
  await page.locator('.system', { hasText: 'joined' }).waitFor()

  // a live post from bob's terminal, and one from the page as alice
  bob.cli!.write('typed by bob\n')
  const bobPost = page.locator('.bubble', { hasText: 'typed by bob' })
  await bobPost.waitFor({ timeout: 15_000 })
  const bobAuthor = await bobPost.locator('.who').getAttribute('title')
  await page.fill('#text', 'from the page')
  await page.press('#text', 'Enter')
  await bob.cli!.line(/alice: from the page$/, { timeout: 15_000 })
  const mine = page.locator('.bubble', { hasText: 'from the page' })
  await mine.waitFor()
  t.not(await mine.locator('.who').getAttribute('title'), bobAuthor, 'each post carries its author\'s key')
  t.is(await mine.locator('.who').textContent(), 'alice', 'named as the CLI names her')
  // mine from the page: a block card on the main chain, and in bob's chat
  await page.fill('#data', '{"paid": 7}')
  await page.click('#mine button')
  await page.locator('.chaincard', { hasText: '"paid":7' }).waitFor({ timeout: 30_000 })
  await page.locator('.block .badge', { hasText: 'main chain' }).waitFor()
  await bob.cli!.line(/^#0 [0-9a-f]{12} \{"paid":7\}$/, { timeout: 15_000 })

  await page.click('#invite')
  await page.locator('#invitetoken', { hasText: 'hyperfeed-room:' }).waitFor()
  const entries = await page.$$eval('#entries li', lis => lis.length)
  t.is(entries, 6, 'create, join, three posts, one block: each once')
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: ARTIFACTS + 'room-page.png' })
  t.comment(`screenshot: ${ARTIFACTS}room-page.png`)
  t.alike(page.errors, [], 'no script errors')
  await stop(bob)
  t.is((await s.stop()).code, 0)
})
