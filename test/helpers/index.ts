import fs from 'node:fs'
import path from 'node:path'
import createTestnet from '@hyperswarm/testnet'
import type test from 'brittle'
import { Feed, Network, Store, chat, type NetworkOptions } from '../../src/index.js'

export * from './cli.js'
export { replicate } from './replicate.js'

// A DHT of three nodes on 127.0.0.1, destroyed after the test.
export async function testnet (t: test.Assert) {
  const net = await createTestnet(3, { teardown: t.teardown.bind(t), host: '127.0.0.1' })
  const bootstrap = net.bootstrap.map(n => ({ host: n.host, port: n.port }))
  return { bootstrap, flag: bootstrap.map(n => `${n.host}:${n.port}`).join(',') }
}

export function netOptions (bootstrap: { host: string, port: number }[], extra: NetworkOptions = {}): NetworkOptions {
  return { bootstrap, host: '127.0.0.1', firewalled: false, ...extra }
}

// A writer feed in a fresh store, closed after the test (after its network).
export async function writer (t: test.Assert, name = 'test', dir?: string) {
  const store = await Store.open(dir ?? await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const feed = await Feed.openWriter(store, name)
  t.teardown(() => feed.close())
  return feed
}

export async function reader (t: test.Assert, key: Buffer, dir?: string) {
  const store = await Store.open(dir ?? await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const feed = await Feed.open(store, key)
  t.teardown(() => feed.close())
  return feed
}

export async function network (t: test.Assert, feed: Feed, opts: NetworkOptions) {
  const net = new Network(feed.store, opts)
  t.teardown(() => net.close(), { order: -0.5 })
  await net.join(feed)
  return net
}

// Collects `n` entries from a live follower.
export async function take (feed: Feed, n: number, start = 0) {
  const out = []
  const follower = feed.follow({ start, live: true })
  for await (const batch of follower) {
    out.push(...batch)
    if (out.length >= n) break
  }
  return out
}

// Whether any file under `dir` holds `needle` (a secret must not be stored in the clear).
export function filesContain (dir: string, needle: string): boolean {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory() ? filesContain(p, needle) : fs.readFileSync(p).includes(needle)) return true
  }
  return false
}

// The control for filesContain: the same search finds `text` in a feed stored
// unencrypted, so not finding it in an encrypted one means something.
export async function foundInPlainFeed (t: test.Assert, text: string): Promise<boolean> {
  const dir = await t.tmp()
  const feed = await Feed.openWriterIn({ storage: dir }, 'control')
  await feed.append(chat('control', text))
  await feed.close()
  return filesContain(dir, text)
}
