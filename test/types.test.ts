import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'brittle'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

// What a TypeScript user of the library compiles: the public API, with the
// types it exposes from hypercore, corestore and hyperswarm resolving from the
// package itself, under strict settings and without skipLibCheck.
const CONSUMER = `
import { Feed, Network, Gateway, Store, chat, syncOnce, verifyChain, openFeed, BlockWriter, type EntryResult } from 'hyperfeed'

export async function run (dir: string): Promise<number> {
  const { feed } = await openFeed({ storage: dir, name: 'x' }, { access: 'write' })
  await feed.append([chat('alice', 'hi')])
  const store: Store = feed.store
  const network = new Network(store, { swarm: false, wsPort: 0 })
  await network.join(feed)
  const core = feed.core
  const length: number = core.length + core.peers.length
  const gateway = new Gateway({ feed, network, port: 0 })
  const blocks = new BlockWriter(feed, { difficulty: 1 })
  const report = await verifyChain(feed)
  const batch: EntryResult[] = await feed.read(0, 1)
  const copy = await Feed.openIn({ storage: dir + '/copy' }, feed.key)
  const synced = await syncOnce(copy, { timeout: 1 }).catch(() => null)
  await Promise.all([gateway.close(), blocks.close(), network.close(), copy.close(), feed.close()])
  return length + report.blocks + batch.length + (synced?.length ?? 0)
}
`

test('TypeScript users of the library get its types, including what it exposes from hypercore', { timeout: 120_000 }, async (t) => {
  const dir = await t.tmp()
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'hyperfeed'))
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'))
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  fs.writeFileSync(path.join(dir, 'consumer.ts'), CONSUMER)
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true, types: ['node'] },
    files: ['consumer.ts']
  }))
  const r = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' })
  t.is(r.status, 0, r.stdout + r.stderr)
})
