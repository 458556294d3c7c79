import fs from 'node:fs'
import path from 'node:path'
import test from 'brittle'
import { Feed } from '../src/index.js'
import { StorageRoot } from '../src/storage.js'

test('a writer\'s key file is replaced whole (temp file + rename), never rewritten in place', async (t) => {
  const storage = await t.tmp()
  const root = await StorageRoot.open(storage)
  const file = root.writerDir('w') + '.key'
  fs.mkdirSync(path.dirname(file), { recursive: true })
  // what a crash during an in-place write leaves: an empty key file
  fs.writeFileSync(file, '')
  // a second name for the same file: an in-place write would change what it shows
  const link = path.join(storage, 'old-key-file')
  fs.linkSync(file, link)

  const feed = await Feed.openWriterIn({ storage }, 'w')
  t.teardown(() => feed.close())
  const hex = feed.key.toString('hex')
  t.is(fs.readFileSync(file, 'utf8'), hex + '\n', 'the key file holds the key')
  t.is(fs.readFileSync(link, 'utf8'), '', 'the old file was replaced, not written into')
  t.alike(fs.readdirSync(path.dirname(file)).filter(f => f.endsWith('.tmp')), [], 'no temp file is left')
  t.alike(await root.writerKey('w'), feed.key, 'and it is found by name')
})
