import test from 'brittle'
import { GENESIS_PREV, blockHash, nextTemplate, verifyBlock, type Block } from '../src/index.js'
import { ChainChecker, hexLeadingZeroBits, leadingZeroBits } from '../src/chain/block.js'
import { Miner } from '../src/chain/mine.js'

// Hashes computed outside hyperfeed (printf '%s' PREIMAGE | sha256sum), fixed here.
const KNOWN = [
  { height: 0, time: 1700000000000, prev: GENESIS_PREV, difficulty: 0, nonce: 0, data: { msg: 'genesis' }, hash: 'c62a7e0c6fd496ed54d873ac3fb55c09e49d47afb88e2a90e61941cbd75d2ea7' },
  { height: 1, time: 1700000000001, prev: 'a'.repeat(64), difficulty: 4, nonce: 17, data: 'héllo ✓', hash: '775c013288b4581d29396778e3960ed0f593008d2a4c473556180421ad2f1677' },
  { height: 7, time: 0, prev: '0123456789abcdef'.repeat(4), difficulty: 0, nonce: Number.MAX_SAFE_INTEGER, data: [1, 2.5, null, true, { a: { b: [] } }], hash: '8329a2a6a7967eebc2787c653e28e482fab1d8cb79eb877bf5d3207063152e8d' },
  { height: 2, time: 5, prev: 'f'.repeat(64), difficulty: 1, nonce: 3, data: null, hash: 'c3622ccc9015e54bade0107b57fb890bc432b2bb4867cf4cb1c5e34b99a2b15f' }
]

// A valid two-block chain at difficulty 8, mined outside hyperfeed.
const GENESIS: Block = { type: 'block', height: 0, time: 1700000000000, prev: GENESIS_PREV, difficulty: 8, nonce: 192, data: { msg: 'genesis' }, hash: '0039c7d3e41fc4de6c487d21fecdfd4450fb804b245156ccb6f8e7ec0d904fcf' }
const SECOND: Block = { type: 'block', height: 1, time: 1700000001000, prev: GENESIS.hash, difficulty: 8, nonce: 485, data: 'second', hash: '00f670cd3d575d42fe92555b3132b74c610cca713d3d3677d667d4f7f67af4f6' }

test('block hashes match independently computed known answers', (t) => {
  for (const k of KNOWN) t.is(blockHash(k), k.hash, `height ${k.height}`)
  t.is(blockHash(GENESIS), GENESIS.hash)
  t.is(blockHash(SECOND), SECOND.hash)
})

test('a chain mined elsewhere verifies', (t) => {
  t.alike(verifyBlock(GENESIS, null), { valid: true })
  t.alike(verifyBlock(SECOND, { height: 0, hash: GENESIS.hash }), { valid: true })
  const chain = new ChainChecker()
  t.ok(chain.check(GENESIS).valid)
  t.ok(chain.check(SECOND).valid)
  t.alike(chain.tip, { height: 1, hash: SECOND.hash })
})

test('leading zero bits', (t) => {
  t.is(leadingZeroBits(Buffer.from([0, 0, 0x10, 0xff])), 19)
  t.is(leadingZeroBits(Buffer.from([0x80])), 0)
  t.is(leadingZeroBits(Buffer.alloc(4)), 32)
  t.is(hexLeadingZeroBits('0039c7'), 10)
  t.is(hexLeadingZeroBits('f0'), 0)
  t.is(hexLeadingZeroBits('000001'), 23)
})

test('mining at difficulty 0, 8 and 16 meets the target and chains', async (t) => {
  const miner = new Miner()
  t.teardown(() => miner.close())
  let tip = null
  for (const difficulty of [0, 8, 16]) {
    const { block, hashes } = await miner.mine(nextTemplate(tip, { d: difficulty }, difficulty))
    t.ok(hexLeadingZeroBits(block.hash) >= difficulty, `difficulty ${difficulty}: ${block.hash.slice(0, 8)} after ${hashes} hashes`)
    t.is(block.hash, blockHash(block))
    t.alike(verifyBlock(block, tip), { valid: true })
    tip = { height: block.height, hash: block.hash }
  }
  t.is(tip!.height, 2)
})

test('a cancelled search fails with MINING_CANCELLED and the search started right after it still finds its block', async (t) => {
  const miner = new Miner()
  t.teardown(() => miner.close())
  for (let round = 0; round < 5; round++) {
    const hard = miner.mine(nextTemplate(null, 'never found in time', 32))
    await new Promise(resolve => setTimeout(resolve, 20))
    const cancelling = miner.cancel()
    await t.exception(hard, /mining cancelled/)
    // the next search starts before the cancelled worker has exited
    const easy = await miner.mine(nextTemplate(null, { round }, 4))
    t.ok(hexLeadingZeroBits(easy.block.hash) >= 4, `round ${round}: mined after a cancel`)
    await cancelling
  }
})

test('every way a block can be wrong is caught', (t) => {
  const tip = { height: 0, hash: GENESIS.hash }
  const bad = (patch: Record<string, unknown>, without?: string) => {
    const b: Record<string, unknown> = { ...SECOND, ...patch }
    if (without) delete b[without]
    return b
  }
  const cases: [string, unknown, RegExp, typeof tip | null][] = [
    ['height gap', bad({ height: 2 }), /height 2 does not follow 0/, tip],
    ['wrong prev', bad({ prev: 'b'.repeat(64) }), /prev bbbbbbbbbbbb is not the hash of block 0/, tip],
    ['wrong hash', bad({ hash: 'c'.repeat(64) }), /does not match the content/, tip],
    ['content changed under its hash', bad({ data: 'tampered' }), /does not match the content/, tip],
    ['too little work', { ...KNOWN[1], type: 'block', height: 1, prev: GENESIS.hash, hash: blockHash({ ...KNOWN[1]!, prev: GENESIS.hash }) }, /leading zero bits, difficulty 4 needs more/, tip],
    ['first block not genesis', bad({}), /the chain has no block yet/, null],
    ['genesis with a prev', { ...GENESIS, prev: 'a'.repeat(64) }, /genesis block has prev of 64 zeros/, null],
    ['missing nonce', bad({}, 'nonce'), /missing nonce/, tip],
    ['missing data', bad({}, 'data'), /missing data/, tip],
    ['extra key', bad({ extra: 1 }), /unexpected key extra/, tip],
    ['height as a string', bad({ height: '1' }), /height must be a non-negative safe integer/, tip],
    ['negative time', bad({ time: -1 }), /time must be a non-negative safe integer/, tip],
    ['fractional nonce', bad({ nonce: 1.5 }), /nonce must be a non-negative safe integer/, tip],
    ['unsafe nonce', bad({ nonce: 2 ** 53 }), /nonce must be a non-negative safe integer/, tip],
    ['difficulty 33', bad({ difficulty: 33 }), /difficulty must be an integer from 0 to 32/, tip],
    ['uppercase hash', bad({ hash: SECOND.hash.toUpperCase() }), /hash must be 64 lowercase hex/, tip],
    ['short prev', bad({ prev: 'abc' }), /prev must be 64 lowercase hex/, tip],
    ['not an object', [1, 2], /not an object/, tip],
    ['null', null, /not an object/, tip],
    ['other type', bad({ type: 'chat' }), /not a block entry/, tip]
  ]
  for (const [name, value, error, prev] of cases) {
    const r = verifyBlock(value, prev)
    t.is(r.valid, false, name)
    t.ok(!r.valid && error.test(r.error), `${name}: ${!r.valid ? r.error : ''}`)
  }
  t.alike(verifyBlock(GENESIS, null, { minDifficulty: 9 }), { valid: false, error: 'difficulty 8 is below the required 9' })
})

test('an invalid block is skipped: the blocks after it still chain on the last valid one', (t) => {
  const chain = new ChainChecker()
  t.ok(chain.check(GENESIS).valid)
  t.absent(chain.check({ ...SECOND, data: 'forged' }).valid)
  t.ok(chain.check(SECOND).valid, 'the real block 1 after a forged one')
  t.is(chain.invalid, 1)
  t.is(chain.checked, 3)
})
