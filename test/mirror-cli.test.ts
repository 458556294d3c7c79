import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { toHex, toZ32 } from '../src/index.js'
import { loadIdentity } from '../src/mirror/identity.js'
import { filesContain, runCli, spawnCli, testnet } from './helpers/index.js'
import { identityOf, libraryWriter, until } from './helpers/mirror.js'

const HEX = /^[0-9a-f]{64}$/

async function metrics (url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text()
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) (\S+)$/.exec(line)
    if (m) out.set(m[1]!, Number(m[2]))
  }
  return out
}

test('hyperfeed mirror: key on stdout, one stderr line per core kept and per refused announce, /metrics, a trusted feed readable by a plain view with the writer gone, clean exit, same key after a restart', { timeout: 150_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const writerRoot = await identityOf(t)
  const id = await runCli(['id'], { storage: writerRoot.dir })
  t.is(id.code, 0)
  t.alike(id.stdout, [toHex(writerRoot.keyPair.publicKey)], 'hyperfeed id prints the identity the library uses')

  const storage = await t.tmp()
  const m = spawnCli(t, ['mirror', '--trust', id.stdout[0]!, '--port', '0', '--bootstrap', flag], { storage })
  const key = await m.line(HEX)
  t.is(m.stdout.lines.indexOf(key), 0, 'stdout line 1 is the mirror key')
  await m.errLine(`mirror key (z32): ${toZ32(Buffer.from(key, 'hex'))}`)
  await m.errLine(`announcing for ${id.stdout[0]}`)
  const url = (await m.errLine(/^hyperfeed: metrics at http:\/\//)).split(' ').pop()!
  const mirrorKey = Buffer.from(key, 'hex')

  const a = await libraryWriter(t, bootstrap, { mirrors: [mirrorKey], count: 300, identity: writerRoot.keyPair, text: i => `kept ${i}` })
  a.client.keepFeed(a.feed)
  await m.errLine(`mirror: keeping core ${toHex(a.feed.key)} for ${id.stdout[0]} (announced)`)
  const b = await libraryWriter(t, bootstrap, { mirrors: [mirrorKey], count: 10 })
  b.client.keepFeed(b.feed)
  await m.errLine(`mirror: ${toHex(b.client.identity)} is not trusted: keeping its core without announcing (--trust ${toHex(b.client.identity)} would announce what it registers)`)
  await m.errLine(`mirror: keeping core ${toHex(b.feed.key)} for ${toHex(b.client.identity)} (not announced)`)
  await until(() => a.client.mirrorLength(a.feed.core, mirrorKey) === 300 && b.client.mirrorLength(b.feed.core, mirrorKey) === 10, 30_000, 'the mirror to hold both feeds')

  const before = await metrics(url)
  t.is(before.get('blind_peer_cores'), 2, 'blind_peer_cores')
  t.is(before.get('blind_peer_announced_cores'), 1, 'blind_peer_announced_cores')
  t.ok((before.get('blind_peer_bytes_allocated') ?? 0) > 300 * 40, `blind_peer_bytes_allocated ${before.get('blind_peer_bytes_allocated')}`)
  t.is(before.get('blind_peer_bytes_gcd'), 0, 'blind_peer_bytes_gcd')
  t.ok((before.get('blind_peer_core_activations') ?? 0) >= 2, 'blind_peer_core_activations')
  t.ok((before.get('hyperfeed_peers') ?? 0) >= 2, 'hyperfeed_peers')
  t.is(before.get('hyperfeed_mirror_announce_downgrades_total'), 1)
  t.is(before.get('hyperfeed_mirror_trusted_identities'), 1)
  t.ok((before.get('hyperfeed_mirror_disk_bytes') ?? 0) > 0)
  t.is((await fetch(url.replace('/metrics', '/'))).status, 404, 'nothing else is served')

  // every writer offline: a plain view (no mirror key) reads the trusted feed
  const feedKey = toHex(a.feed.key)
  await a.close()
  await b.close()
  const view = await runCli(['view', feedKey, '--once', '--json', '--bootstrap', flag], { storage: await t.tmp(), timeout: 60_000 })
  t.is(view.code, 0, view.err)
  t.alike(view.stdout.map(l => JSON.parse(l).value.text), Array.from({ length: 300 }, (_, i) => `kept ${i}`), 'every entry, from the mirror')

  const stopped = await m.stop('SIGTERM')
  t.is(stopped.code, 0, 'SIGTERM: exit 0')
  t.absent(m.stderr.text.includes('Error'), m.stderr.text)
  const again = spawnCli(t, ['mirror', '--bootstrap', flag], { storage })
  t.is(await again.line(HEX), key, 'the same key after a restart')
  await again.errLine(/2 cores kept/)
  t.is((await again.stop('SIGINT')).code, 0, 'SIGINT: exit 0')
})

test('hyperfeed mirror: bad keys and numbers are one line and exit 2, creating nothing; a second mirror on one storage is refused', { timeout: 60_000 }, async (t) => {
  const parent = await t.tmp()
  const storage = path.join(parent, 'not-yet')
  const good = toHex((await loadIdentity(await t.tmp())).publicKey)
  const cases: [string[], RegExp][] = [
    [['--trust', 'nope'], /^hyperfeed: not a --trust key \(an identity from hyperfeed id\): "nope" \(expected 64 hex characters or a 52-character z32 key\)$/],
    [['--trust', good, '--trust', good.slice(1)], /^hyperfeed: not a --trust key .*expected 64 hex/],
    [['--max-storage', '0'], /^hyperfeed: --max-storage must be a whole number of at least 1, not "0"$/],
    [['--listen', 'localhost', '--port', '0'], /^hyperfeed: --listen must be an IP address/],
    [['--lan'], /^hyperfeed: mirror: unknown option --lan$/]
  ]
  for (const [args, expected] of cases) {
    const r = await runCli(['mirror', ...args], { storage })
    t.is(r.code, 2, `${args.join(' ')}: exit 2`)
    t.is(r.stderr.length, 1, `${args.join(' ')}: one line`)
    t.ok(expected.test(r.stderr[0] ?? ''), r.err)
    t.absent(fs.existsSync(storage), `${args.join(' ')}: nothing created`)
  }

  const { flag } = await testnet(t)
  const first = spawnCli(t, ['mirror', '--bootstrap', flag], { storage })
  await first.line(HEX)
  const second = await runCli(['mirror', '--bootstrap', flag], { storage })
  t.is(second.code, 1)
  t.alike(second.stderr, [`hyperfeed: storage ${path.join(storage, 'mirror')} is in use by another hyperfeed process; stop it or pass --storage DIR to use another directory`])
  t.is((await first.stop()).code, 0)
})

test('hyperfeed id: one 64-hex line, the same every time, z32 on stderr; a foreign directory is refused', async (t) => {
  const storage = await t.tmp()
  const first = await runCli(['id'], { storage })
  t.is(first.code, 0)
  t.is(first.stdout.length, 1)
  t.ok(HEX.test(first.stdout[0]!))
  t.alike(first.stderr, [`identity (z32): ${toZ32(Buffer.from(first.stdout[0]!, 'hex'))}`])
  const second = await runCli(['id'], { storage })
  t.alike(second.stdout, first.stdout, 'stable')
  t.is((fs.statSync(path.join(storage, 'identity')).mode & 0o777), 0o600, 'the secret seed is readable by its owner only')
  const foreign = await t.tmp()
  fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine')
  const refused = await runCli(['id'], { storage: foreign })
  t.is(refused.code, 1)
  t.is(refused.stderr.length, 1)
  t.alike(fs.readdirSync(foreign), ['notes.txt'], 'left alone')
})

test('hyperfeed mirror --max-storage: over the cap it garbage-collects the least active un-announced cores and says so; a private feed\'s plaintext never reaches its storage', { timeout: 120_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const storage = await t.tmp()
  const m = spawnCli(t, ['mirror', '--max-storage', '1', '--port', '0', '--bootstrap', flag], { storage })
  const mirrorKey = Buffer.from(await m.line(HEX), 'hex')
  const url = (await m.errLine(/^hyperfeed: metrics at http:\/\//)).split(' ').pop()!
  const filler = 'x'.repeat(1000)
  // two private feeds of about 0.75 MB each: together over the 1 MB cap
  const secret = 'the eagle lands at midnight'
  const a = await libraryWriter(t, bootstrap, { mirrors: [mirrorKey], count: 700, encrypt: true, text: i => `${secret} ${i} ${filler}` })
  a.client.keepFeed(a.feed)
  await until(() => a.client.mirrorLength(a.feed.core, mirrorKey) === 700, 30_000, 'the mirror to hold the first feed')
  const b = await libraryWriter(t, bootstrap, { mirrors: [mirrorKey], count: 700, encrypt: true, text: i => `${secret} ${i} ${filler}` })
  b.client.keepFeed(b.feed)
  const line = await m.errLine(/^mirror: over the 1 MB cap: garbage-collected \d+ bytes/, { timeout: 40_000 })
  const cleared = Number(/garbage-collected (\d+) bytes/.exec(line)![1])
  t.ok(cleared > 500_000, line)
  const after = await metrics(url)
  t.is(after.get('blind_peer_bytes_gcd'), cleared, 'blind_peer_bytes_gcd')
  t.ok((after.get('blind_peer_bytes_allocated') ?? Infinity) < 1_000_000, `under the cap: ${after.get('blind_peer_bytes_allocated')}`)
  t.is(after.get('hyperfeed_mirror_gc_runs_total'), 1)
  await a.close()
  await b.close()
  t.is((await m.stop()).code, 0)
  t.absent(filesContain(path.join(storage, 'mirror'), secret), 'no plaintext in the mirror\'s storage')
})
