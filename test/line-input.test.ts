import test from 'brittle'
import { type HyperfeedError } from '../src/index.js'
import { LineInput } from '../src/input.js'
import { writer } from './helpers/index.js'

test('lines that arrive together are appended in one batch, in order', async (t) => {
  const feed = await writer(t)
  let appends = 0
  feed.core.on('append', () => { appends++ })
  const acks: number[] = []
  const input = new LineInput(feed, { nick: 'n', onAppend: (seq) => acks.push(seq) })
  input.push('one\ntwo\r\n\nthree\n')
  await input.idle()
  t.is(appends, 1, 'one append for the chunk')
  t.is(feed.length, 3)
  t.alike(acks, [0, 1, 2])
  const texts = (await feed.read(0, 3)).map(r => 'value' in r && r.value.text)
  t.alike(texts, ['one', 'two', 'three'])
})

test('a partial line waits for its newline; the last line counts at the end of input', async (t) => {
  const feed = await writer(t)
  const input = new LineInput(feed, { nick: 'n' })
  input.push('hel')
  await input.idle()
  t.is(feed.length, 0)
  input.push(Buffer.from('lo w'))
  input.push(Buffer.from([0xc3]))
  input.push(Buffer.from([0xb6, 0x72, 0x6c, 0x64, 0x0a, 0x74, 0x61, 0x69, 0x6c]))
  await input.end()
  const texts = (await feed.read(0, 10)).map(r => 'value' in r && r.value.text)
  t.alike(texts, ['hello wörld', 'tail'], 'multi-byte characters split across chunks survive')
})

test('commands run in order between lines; unknown commands and // are handled', async (t) => {
  const feed = await writer(t)
  const rejected: string[] = []
  const input = new LineInput(feed, {
    nick: 'n',
    commands: { echo: async (args) => [{ type: 'echo', args }] },
    onReject: (err: HyperfeedError) => rejected.push(err.message)
  })
  input.push('a\n/echo b c\n//d\n/nope\ne\n')
  await input.idle()
  const values = (await feed.read(0, 10)).map(r => 'value' in r ? (r.value.type === 'echo' ? 'echo:' + String(r.value.args) : r.value.text) : null)
  t.alike(values, ['a', 'echo:b c', '/d', 'e'])
  t.is(rejected.length, 1)
  t.ok(rejected[0]!.startsWith('unknown command /nope (commands: /echo; start a line with // to send text beginning with /)'))
})
