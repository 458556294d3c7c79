import test from 'brittle'
import { privateNetwork } from './helpers/netns.js'
import { runCli, spawnCli } from './helpers/index.js'

test('--local: the first process runs the bootstrap node, another takes over when it exits', async (t) => {
  const wrap = await privateNetwork(t)
  if (wrap === null) {
    t.comment('skipped: no private network namespace here (needs root, unshare and nsenter)')
    return
  }
  const wStorage = await t.tmp()
  const w = spawnCli(t, ['write', '--local', '--nick', 'loc'], { storage: wStorage, wrap })
  const key = await w.line(/^[0-9a-f]{64}$/)
  await w.errLine('running the local bootstrap node at 127.0.0.1:30737')
  await w.errLine(`follow it with: hyperfeed view ${key} --local`)
  w.write('one\ntwo\n')

  const v1 = spawnCli(t, ['view', key, '--local'], { storage: await t.tmp(), wrap })
  await v1.line('loc: two')
  t.absent(v1.stderr.text.includes('running the local bootstrap node'), 'the viewer uses the writer\'s node')

  // the holder exits: the viewer takes the node over and keeps serving the feed
  t.is((await w.stop()).code, 0)
  await v1.errLine('took over the local bootstrap node at 127.0.0.1:30737', { timeout: 5000 })

  const started = Date.now()
  const v2 = await runCli(['view', key, '--local', '--once', '--timeout', '20'], { storage: await t.tmp(), wrap })
  t.is(v2.code, 0, 'a new viewer finds the feed through the new node, from the first viewer')
  t.is(v2.stdout.filter(l => l.includes('loc: ')).length, 2)
  t.comment(`new viewer synced from the remaining viewer in ${Date.now() - started} ms`)

  // the writer comes back: it uses the viewer's node, and the viewer gets what it writes
  const w2 = spawnCli(t, ['write', '--local', '--nick', 'loc'], { storage: wStorage, wrap })
  t.is(await w2.line(/^[0-9a-f]{64}$/), key)
  w2.write('three\n')
  await v1.line('loc: three', { timeout: 15_000 })
  t.absent(w2.stderr.text.includes('running the local bootstrap node'))
  t.is(v1.stdout.lines.length, 3)
})

test('hyperfeed bootstrap prints HOST:PORT when ready and refuses a port already held', async (t) => {
  const wrap = await privateNetwork(t)
  if (wrap === null) {
    t.comment('skipped: no private network namespace here')
    return
  }
  const b = spawnCli(t, ['bootstrap'], { wrap })
  t.is(await b.line(/./), '127.0.0.1:30737')
  const again = await runCli(['bootstrap'], { wrap })
  t.is(again.code, 1)
  t.alike(again.stderr, ['hyperfeed: bootstrap address 127.0.0.1:30737 is already in use'])

  // writers and viewers use it like any --local node
  const w = spawnCli(t, ['write', '--local', '--nick', 'b'], { storage: await t.tmp(), wrap })
  const key = await w.line(/^[0-9a-f]{64}$/)
  t.absent(w.stderr.text.includes('running the local bootstrap node'))
  w.write('via the bootstrap command\n')
  const v = await runCli(['view', key, '--bootstrap', '127.0.0.1:30737', '--once'], { storage: await t.tmp(), wrap })
  t.is(v.code, 0)
  t.ok(v.out.includes('b: via the bootstrap command'))
  t.is((await b.stop('SIGINT')).code, 0)
})
