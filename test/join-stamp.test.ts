import test from 'brittle'
import { leadingZeroBits } from '../src/chain/block.js'
import { MAX_STAMP_BITS, mineStamp, stampDigest, verifyStamp } from '../src/room/join-stamp.js'

const ROOM = Buffer.alloc(32, 1)
const WRITER = Buffer.alloc(32, 2)

test('a join stamp: found by search, checked with one hash, bound to the room and the writer', (t) => {
  const nonce = mineStamp(ROOM, WRITER, 12)
  if (nonce === null) return t.fail('no stamp')
  t.ok(leadingZeroBits(stampDigest(ROOM, WRITER, nonce)) >= 12)
  t.ok(verifyStamp(ROOM, WRITER, nonce, 12))
  t.ok(verifyStamp(ROOM, WRITER, nonce, 0))
  // these fixed keys make the outcomes fixed: checked once, true for good
  t.is(nonce, 2608, 'the first nonce that works, for these keys')
  t.absent(verifyStamp(ROOM, Buffer.alloc(32, 3), nonce, 12), 'another writer')
  t.absent(verifyStamp(Buffer.alloc(32, 4), WRITER, nonce, 12), 'another room')
  t.absent(verifyStamp(ROOM, WRITER, nonce - 1, 12), 'another nonce')
  t.absent(verifyStamp(ROOM, WRITER, nonce, 32), 'more bits than it has')
})

test('a stamp\'s nonce is a non-negative safe integer; bad bits and exhausted searches are refused', (t) => {
  for (const bad of [-1, 1.5, '5', null, Number.MAX_SAFE_INTEGER + 1, Infinity]) t.absent(verifyStamp(ROOM, WRITER, bad, 0), JSON.stringify(bad))
  t.absent(verifyStamp(ROOM, Buffer.alloc(31), 0, 0), 'a short writer key')
  t.is(mineStamp(ROOM, WRITER, 12, { max: 100 }), null, 'gives up after max tries')
  t.is(mineStamp(ROOM, WRITER, 12, { start: 2609, max: 10 }), null)
  t.exception.all(() => mineStamp(ROOM, WRITER, MAX_STAMP_BITS + 1), /stamp bits/)
  t.exception.all(() => mineStamp(ROOM, WRITER, 1.5), /stamp bits/)
})
