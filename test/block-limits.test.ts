import test from 'brittle'
import { MAX_ENTRY_BYTES, MAX_NESTING } from '../src/entries.js'
import { blockHash } from '../src/chain/block.js'
import { BLOCK_OVERHEAD_BYTES, checkBlockData, maxBlockDataBytes } from '../src/chain/block-limits.js'
import { sealedSize } from '../src/room/sealed-entries.js'
import { runCli } from './helpers/index.js'
import { createRoom, stop } from './helpers/rooms.js'

const nest = (depth: number): unknown => {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

test('the overhead is the widest block entry around its data', (t) => {
  const widest = { type: 'block', height: Number.MAX_SAFE_INTEGER, time: Number.MAX_SAFE_INTEGER, prev: '0'.repeat(64), difficulty: 32, nonce: Number.MAX_SAFE_INTEGER, data: 'x', hash: '' }
  widest.hash = blockHash(widest)
  t.is(Buffer.byteLength(JSON.stringify(widest)), BLOCK_OVERHEAD_BYTES + 3)
})

test('block data up to the limit is accepted before mining; one byte more is refused', (t) => {
  const room = maxBlockDataBytes()
  t.is(room, MAX_ENTRY_BYTES - BLOCK_OVERHEAD_BYTES)
  const fits = 'a'.repeat(room - 2)
  t.is(checkBlockData(fits).length, room)
  t.exception(() => checkBlockData(fits + 'a'), /over the 1048576-byte limit/)
  t.exception(() => checkBlockData('€'.repeat(Math.ceil(room / 3))), /over the 1048576-byte limit/, 'UTF-8 bytes count')
  t.is(checkBlockData({ a: [1, 2] }), '{"a":[1,2]}')
})

test('in a sealed room the sealed size counts', (t) => {
  const room = maxBlockDataBytes({ sealedSize })
  t.ok(sealedSize(room) + BLOCK_OVERHEAD_BYTES <= MAX_ENTRY_BYTES)
  t.ok(sealedSize(room + 1) + BLOCK_OVERHEAD_BYTES > MAX_ENTRY_BYTES)
  const fits = 'a'.repeat(room - 2)
  t.is(checkBlockData(fits, { sealedSize }).length, room)
  t.exception(() => checkBlockData(fits + 'a', { sealedSize }), /over the 1048576-byte limit/)
  t.execution(() => checkBlockData(fits + 'a'), 'the same data fits a plain block')
})

test('nesting over the limit, and values that are not JSON, are refused before mining', (t) => {
  t.execution(() => checkBlockData(nest(MAX_NESTING)))
  t.exception(() => checkBlockData(nest(MAX_NESTING + 1)), /nest at most 64/)
  t.exception(() => checkBlockData(nest(200_000)), /nest at most 64/, 'far deeper than the stack')
  t.exception(() => checkBlockData(undefined), /must be a JSON value/)
  t.exception(() => checkBlockData(10n as unknown), /cannot be written as JSON/)
})

test('/block and room mine refuse data over the entry limit or nested too deep before mining', { timeout: 60_000 }, async (t) => {
  const { member: alice } = await createRoom(t, [])
  const deep = JSON.stringify(nest(MAX_NESTING + 1))
  alice.cli!.write(`/block "${'a'.repeat(maxBlockDataBytes())}"\n`)
  await alice.cli!.errLine(/over the 1048576-byte limit/)
  alice.cli!.write(`/block ${deep}\n`)
  await alice.cli!.errLine(/block data may nest at most 64 levels/)
  alice.cli!.write('/block "fits"\n')
  await alice.cli!.errLine(/^mined block #0 /, { timeout: 30_000 })
  t.is(alice.cli!.stderr.lines.filter(l => l.startsWith('mining block')).length, 1, 'only the block that fits was mined')
  await stop(alice)

  const mine = await runCli(['room', 'mine', deep, '--name', 'r', '--timeout', '1'], { storage: alice.storage })
  t.is(mine.code, 2, 'room mine: a usage error')
  t.alike(mine.stderr.filter(Boolean), ['hyperfeed: block data may nest at most 64 levels of arrays and objects'], 'one line, nothing mined')
})
