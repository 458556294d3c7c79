import fs from 'node:fs'
import test from 'brittle'
import * as api from '../src/index.js'

const ROOT = new URL('../../', import.meta.url)
const INDEX = fs.readFileSync(new URL('src/index.ts', ROOT), 'utf8')
const DOCS = fs.readFileSync(new URL('docs/library.md', ROOT), 'utf8')

// every name src/index.ts exports, types included
function exportedNames (source: string): string[] {
  const names: string[] = []
  for (const [, list] of source.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const item of list!.split(',')) {
      const name = item.trim().replace(/^type /, '').split(/\s+as\s+/).pop()!.trim()
      if (name !== '') names.push(name)
    }
  }
  return names
}

test('every public export is documented in docs/library.md', (t) => {
  const names = exportedNames(INDEX)
  t.ok(names.length > 40, `${names.length} exports`)
  for (const name of Object.keys(api)) t.ok(names.includes(name), `${name} is listed in src/index.ts`)
  // `Name`, `Name(...)`, `Name.method` or `Name[]`, not a longer name that starts with it
  const missing = names.filter(name => !new RegExp('`' + name + '[`(.[]').test(DOCS))
  t.alike(missing, [], 'each one is named in docs/library.md')
})

test('every error code is in docs/library.md', (t) => {
  t.ok(api.ERROR_CODES.size > 40)
  const missing = [...api.ERROR_CODES].filter(code => !DOCS.includes('`' + code + '`'))
  t.alike(missing, [], 'each code is in the table')
  t.ok(api.ERROR_CODES.has('NO_PEER'))
})

test('internals stay internal', (t) => {
  for (const name of ['Miner', 'LineInput', 'Gossip', 'WsListener', 'WsPeer', 'ChainIndex', 'EntryIndex', 'ChainChecker', 'RoomChain', 'RoomMiner', 'RoomRelay', 'StorageRoot', 'resolveNetworkOptions', 'packBlocks', 'toBlock', 'mineNext']) {
    t.absent(name in api, `${name} is not exported`)
  }
})
