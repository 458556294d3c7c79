import test from 'brittle'
import crypto from 'hypercore-crypto'
import { runCli, spawnCli, testnet } from './helpers/index.js'
import { stockBlindPeer, stockHeld, until } from './helpers/mirror.js'

const HEX = /^[0-9a-f]{64}$/

test('room create --mirror: every member keeps the room on a stock blind-peer; members never online together converge through it; /mirror is the creator\'s', { timeout: 180_000 }, async (t) => {
  const { bootstrap, flag } = await testnet(t)
  const peer = await stockBlindPeer(t, bootstrap)
  const mirror = peer.publicKey.toString('hex')
  const net = ['--bootstrap', flag]
  const A = await t.tmp()
  const B = await t.tmp()

  const bad = await runCli(['room', 'create', '--mirror', 'nope', ...net], { storage: A })
  t.is(bad.code, 2, bad.err)
  t.is(bad.stderr.length, 1)

  const alice = spawnCli(t, ['room', 'create', '--mirror', mirror, '--nick', 'alice', '--json', ...net], { storage: A })
  await alice.line(HEX)
  const invite = await alice.line(/^hyperfeed-room:/)
  await alice.errLine(`mirror ${mirror} is keeping the room`)
  const bob = spawnCli(t, ['room', 'join', invite, '--nick', 'bob', '--json', ...net], { storage: B })
  await bob.errLine(/^hyperfeed: joined room/, { timeout: 30_000 })
  await bob.errLine(`mirror ${mirror} is keeping the room`, { timeout: 30_000 })
  bob.write('/mirror ' + 'ab'.repeat(32) + '\n')
  await bob.errLine(/only the room's creator can add mirrors/)
  t.is((await bob.stop()).code, 0)
  t.is((await alice.stop()).code, 0)

  // each posts while the other is offline, and waits until the mirror holds the post
  const post = async (storage: string, text: string, expect: string | null = null) => {
    const m = spawnCli(t, ['room', 'chat', '--json', ...net], { storage })
    await m.errLine(`mirror ${mirror} is keeping the room`, { timeout: 30_000 })
    m.write(JSON.stringify({ type: 'chat', nick: 'x', text, time: 0 }) + '\n')
    const mine = JSON.parse(await m.line(new RegExp(`"text":"${text}"`), { timeout: 30_000 }))
    const core = { discoveryKey: crypto.discoveryKey(Buffer.from(mine.author, 'hex')) }
    await until(async () => await stockHeld(peer, core) > mine.authorSeq, 30_000, `the mirror to hold "${text}"`)
    if (expect !== null) {
      await m.line(new RegExp(`"text":"${expect}"`), { timeout: 30_000 })
      t.pass(`${expect}: received from the mirror alone`)
    }
    t.is((await m.stop()).code, 0)
    return m
  }
  await post(A, 'alice while bob is away')
  await post(B, 'bob while alice is away', 'alice while bob is away')
  const a = spawnCli(t, ['room', 'chat', '--json', ...net], { storage: A })
  await a.line(/bob while alice is away/, { timeout: 30_000 })
  t.pass('alice received bob\'s post from the mirror alone')
  t.is((await a.stop()).code, 0)
})
