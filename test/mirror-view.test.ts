import test from 'brittle'
import crypto from 'hypercore-crypto'
import { filesContain, foundInPlainFeed, runCli, spawnCli, testnet } from './helpers/index.js'
import { identityOf, stockBlindPeer, stockHeld, until } from './helpers/mirror.js'

const HEX = /^[0-9a-f]{64}$/

async function writeThrough (t: test.Assert, args: string[], storage: string, lines: string[]) {
  const w = spawnCli(t, ['write', '--ack', '--nick', 'w', ...args], { storage })
  const key = await w.line(HEX)
  w.write(lines.map(l => l + '\n').join(''))
  await w.lineCount(1 + lines.length, { timeout: 20_000 })
  return { w, key, discoveryKey: crypto.discoveryKey(Buffer.from(key, 'hex')) }
}

test('view through a stock blind-peer with every writer offline: --mirror KEY, a plain view of a trusted writer\'s feed, the mirrors a viewer learned from the feed; no plaintext of a private feed in the mirror\'s storage', { timeout: 180_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const trusted = await identityOf(t)
  const dir = await t.tmp()
  const peer = await stockBlindPeer(t, bootstrap, { trustedPubKeys: [trusted.keyPair.publicKey], dir })
  const mirror = peer.publicKey.toString('hex')
  const secret = 'the heron flies at dawn'
  const net = ['--bootstrap', flag]

  // a private feed of a trusted writer: 20 lines and the mirrors entry
  const lines = Array.from({ length: 20 }, (_, i) => `${secret} ${i}`)
  const a = await writeThrough(t, ['--encrypt', '--mirror', mirror, ...net], trusted.dir, lines)
  const invite = (await a.w.errLine(/share this invite/)).split(' ').pop()!
  await until(async () => await stockHeld(peer, a) === 21, 30_000, 'the mirror to hold the private feed')

  // an untrusted writer: kept, not announced. A viewer reads it once while the writer is up and learns its mirror.
  const u = await writeThrough(t, ['--mirror', mirror, ...net], await t.tmp(), ['u0', 'u1'])
  const reader = await t.tmp()
  const first = await runCli(['view', u.key, '--once', '--json', ...net], { storage: reader, timeout: 60_000 })
  t.is(first.code, 0, first.err)
  t.ok(first.err.includes(`this feed names mirrors: ${mirror}`), 'the viewer learns the mirror from the feed')
  u.w.write('u2\nu3\n')
  await u.w.lineCount(5)
  await until(async () => await stockHeld(peer, u) === 5, 30_000, 'the mirror to hold the later entries')
  t.is((await a.w.stop()).code, 0)
  t.is((await u.w.stop()).code, 0)

  const texts = (r: { stdout: string[] }) => r.stdout.map(l => JSON.parse(l).value).filter(v => v.type === 'chat').map(v => v.text)
  const direct = await runCli(['view', u.key, '--mirror', mirror, '--once', '--json', ...net], { storage: await t.tmp(), timeout: 60_000 })
  t.is(direct.code, 0, direct.err)
  t.alike(texts(direct), ['u0', 'u1', 'u2', 'u3'], 'view --mirror from fresh storage: every entry of an unannounced feed, writer offline')

  const plain = await runCli(['view', invite, '--once', '--json', ...net], { storage: await t.tmp(), timeout: 60_000 })
  t.is(plain.code, 0, plain.err)
  t.alike(texts(plain), lines, 'plain view: the mirror announces the trusted writer\'s feed')
  t.alike(JSON.parse(plain.stdout[0]!).value.mirrors, [mirror], 'the feed names its mirror (seq 0)')

  const later = await runCli(['view', u.key, '--once', '--json', ...net], { storage: reader, timeout: 60_000 })
  t.is(later.code, 0, later.err)
  t.alike(texts(later), ['u0', 'u1', 'u2', 'u3'], 'the remembered mirror serves what was written after the viewer left')
  const stranger = await runCli(['view', u.key, '--once', '--timeout', '3', ...net], { storage: await t.tmp(), timeout: 60_000 })
  t.is(stranger.code, 1, 'control: without the mirror list an untrusted writer\'s feed is not found')

  t.ok(await foundInPlainFeed(t, secret), 'control: the search finds plaintext where it is stored')
  t.absent(filesContain(dir, secret), 'no plaintext in the blind peer\'s storage')
})
