import { command, description, flag, summary } from 'paparam'
import { storageFlags, str } from './args.js'
import { define, plural } from './command.js'
import { defaultNick, storageDir } from './common.js'
import { ExportReader } from '../export/lines.js'
import { importExport } from '../export/import.js'
import { usage } from '../errors.js'

const PROGRESS_INTERVAL = 100

export default define(command('import',
  summary('make a new feed (or room) from an export read on stdin'),
  description(`Reads what 'hyperfeed export' wrote, on stdin, and makes the new feed NAME in
this storage whose entries are the exported ones, in order; a room's export makes
the new room NAME, with this storage as its creator posting the entries again.
Prints the new key. All or nothing: a malformed line is refused with its number
and nothing is made (exit 1).`),
  flag('--name <name>', 'the new feed\'s (or room\'s) name in this storage'),
  flag('--nick <nick>', 'a new room\'s creator nick (default: your user name)'),
  ...storageFlags()
), async (p, ctx) => {
  const name = str(p, 'name')
  if (name === undefined) throw usage('import needs --name NEW (the feed or room it makes)')
  const { status, stdout } = ctx
  const reader = new ExportReader()
  for await (const chunk of process.stdin) {
    if (ctx.shutdown.signal.aborted) return 0
    reader.push(chunk as Buffer)
  }
  const parsed = reader.end()
  let last = 0
  const result = await importExport(storageDir(p, ctx), name, parsed, {
    nick: str(p, 'nick') ?? defaultNick(),
    onProgress: (done, total) => {
      const now = Date.now()
      if (now - last < PROGRESS_INTERVAL && done < total) return
      last = now
      status.progress(`importing ${done}/${plural(total, 'entry', 'entries')}`)
    }
  })
  status.clearProgress()
  await stdout.line(result.key)
  const skipped = result.skipped === 0 ? '' : ` (${plural(result.skipped, 'entry', 'entries')} of the export left out: membership, and edits, deletes and reactions that did not count)`
  status.info(`hyperfeed: imported ${plural(result.entries, 'entry', 'entries')} into the new ${result.kind} "${name}"${skipped}`)
  return 0
})
