import path from 'node:path'
import test from 'brittle'
import { filesContain, foundInPlainFeed, runCli, spawnCli, testnet } from './helpers/index.js'

test('private feeds: the key alone replicates (and re-shares) encrypted bytes and says so; the invite reads them', { timeout: 120_000 }, async (t) => {
  const { flag } = await testnet(t)
  const secret = 'the eagle lands at midnight'
  const w = spawnCli(t, ['write', '--encrypt', '--nick', 'spy', '--bootstrap', flag], { storage: await t.tmp() })
  const key = await w.line(/^[0-9a-f]{64}$/)
  const inviteLine = await w.errLine(/^private feed: entries are encrypted; share this invite, not just the key: hyperfeed:/)
  const invite = inviteLine.slice(inviteLine.indexOf('hyperfeed:'))
  await w.errLine(`follow it with: hyperfeed view ${invite} --bootstrap ${flag}`)
  w.write(`${secret}\nsecond secret\n`)

  // a viewer with only the key
  const keyOnly = await t.tmp()
  const blind = await runCli(['view', key, '--once', '--bootstrap', flag], { storage: keyOnly })
  t.is(blind.code, 1)
  t.alike(blind.stdout, [], 'nothing printed')
  t.ok(blind.stderr.some(l => l === `hyperfeed: feed ${key} is private (encrypted): this copy keeps and shares its encrypted entries but cannot read them without the writer's invite (hyperfeed:...)`), blind.err)
  t.ok(/2 entries: 0 were stored here already, 2 downloaded/.test(blind.err), 'it still downloaded the entries')
  t.absent(filesContain(keyOnly, secret), 'the secret is not readable anywhere in its storage')
  t.ok(await foundInPlainFeed(t, secret), 'control: the same search finds it in a plain feed\'s storage')
  const info = await runCli(['info', key], { storage: keyOnly })
  t.ok(info.out.includes('encrypted:      yes, and this storage cannot read it (no invite)'))

  // the key-only copy re-shares: with the writer gone, an invited viewer reads from it
  const sharer = spawnCli(t, ['view', key, '--bootstrap', flag], { storage: keyOnly })
  await sharer.errLine(/is private \(encrypted\).*serving its bytes until Ctrl-C/)
  t.is((await w.stop()).code, 0)
  const invited = await t.tmp()
  const reader = await runCli(['view', invite, '--once', '--bootstrap', flag], { storage: invited })
  t.is(reader.code, 0, reader.err)
  t.alike(reader.stdout.map(l => l.replace(/^\(\d+\) \[[0-9:]+\] /, '')), [`spy: ${secret}`, 'spy: second secret'])

  // the invited copy keeps its key: later the bare key is enough there
  const again = await runCli(['view', key, '--once', '--json', '--bootstrap', flag], { storage: invited })
  t.is(again.code, 0)
  t.is(JSON.parse(again.stdout[0]!).value.text, secret)
  t.is((await sharer.stop()).code, 0)

  // serve without the invite: info says so, entries are refused
  const s = spawnCli(t, ['serve', key, '--port', '0', '--bootstrap', flag], { storage: keyOnly })
  const url = await s.line(/^http:\/\//)
  const status = await (await fetch(url + 'api/info')).json() as { encrypted: boolean, readable: boolean, length: number }
  t.alike([status.encrypted, status.readable, status.length], [true, false, 2])
  const refused = await fetch(url + 'api/entries')
  t.is(refused.status, 403)
})

test('a feed created without encryption cannot become private; a private one stays private', async (t) => {
  const storage = await t.tmp()
  t.is((await runCli(['append', 'plain'], { storage })).code, 0)
  const r = await runCli(['write', '--encrypt', '--no-swarm', '--ws-port', '0'], { storage })
  t.is(r.code, 1)
  t.alike(r.stderr, ['hyperfeed: feed "default" already exists without encryption; use another --name for a private feed'])

  const w = spawnCli(t, ['write', '--name', 'secret', '--encrypt', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage })
  const key = await w.line(/^[0-9a-f]{64}$/)
  await w.stop()
  // reopened without --encrypt, it is still private: same key, same invite
  const again = spawnCli(t, ['write', '--name', 'secret', '--no-swarm', '--ws-port', '0', '--ws-host', '127.0.0.1'], { storage })
  t.is(await again.line(/^[0-9a-f]{64}$/), key)
  await again.errLine(/share this invite/)
  await again.stop()
  t.is((await runCli(['append', '--name', 'secret', 'still private'], { storage })).code, 0)
  t.absent(filesContain(path.join(storage, 'writers', 'secret'), 'still private'), 'stored encrypted')
  t.ok(await foundInPlainFeed(t, 'still private'), 'control: the same search finds it in a plain feed\'s storage')
})
