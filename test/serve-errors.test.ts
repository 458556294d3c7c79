import test from 'brittle'
import { chat } from '../src/entries.js'
import { Feed } from '../src/feed/feed.js'
import { Store } from '../src/storage.js'
import { Gateway } from '../src/serve/gateway.js'
import { firstOf } from '../src/wait.js'
import { writer } from './helpers/index.js'

async function get (url: string) {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() as { error?: string } }
}

// A follower of `source` that knows its length and holds its last block, but
// not the first, and has no peer left.
async function strandedCopy (t: test.Assert, source: Feed): Promise<Feed> {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const copy = await Feed.open(store, source.key)
  t.teardown(() => copy.close())
  const a = source.store.corestore.replicate(true)
  const b = store.corestore.replicate(false)
  a.pipe(b).pipe(a)
  await firstOf([{ emitter: copy.core, event: 'peer-add' }])
  await copy.update()
  a.destroy()
  b.destroy()
  t.is(copy.length, source.length)
  t.is(copy.core.contiguousLength, 0)
  return copy
}

test('a chain index that stops is reported, and entries answer its error rather than blame peers', async (t) => {
  const source = await writer(t)
  await source.append([chat('alice', 'one'), chat('alice', 'two')])
  const copy = await strandedCopy(t, source)
  const gateway = new Gateway({ feed: copy, port: 0 })
  t.teardown(() => gateway.close(), { order: 0.5 })
  const warned = firstOf([{ emitter: gateway, event: 'warning', value: (err: Error) => err }], { timeout: 10_000 }, null)
  await gateway.ready()

  // the index waits for block 0 from peers; closing the storage under it fails that read
  await copy.store.corestore.close()
  const warning = await warned
  t.ok(warning !== null && /chain index stopped/.test(warning.message), `warned: ${warning?.message}`)

  const started = Date.now()
  const { status, body } = await get(gateway.url + 'api/entries')
  t.is(status, 500)
  t.ok(/chain index stopped: /.test(body.error ?? ''), body.error)
  t.ok(Date.now() - started < 5000, 'at once, not after the read timeout')
})

test('every 500 is reported as a warning naming the request', async (t) => {
  const feed = await writer(t)
  await feed.append(chat('alice', 'hi'))
  const gateway = new Gateway({ feed, port: 0 })
  t.teardown(() => gateway.close(), { order: -1 })
  await gateway.ready()
  // the feed closed under a running gateway: reading it fails with what Hypercore says
  await feed.close()
  const warned = firstOf([{ emitter: gateway, event: 'warning', value: (err: Error) => err }], { timeout: 10_000 }, null)
  const { status, body } = await get(gateway.url + 'api/entries?start=0&end=1')
  t.is(status, 500)
  t.is(body.error, 'internal error', 'the client gets no internals')
  const warning = await warned
  t.ok(warning !== null && /^GET \/api\/entries answered 500: \S/.test(warning.message), warning?.message)
})
