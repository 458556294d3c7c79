import test from 'brittle'
import crypto from 'node:crypto'
import { MAX_ENTRY_BYTES } from '../src/entries.js'
import {
  CHAINED_KEY_BYTES, SEALED_KEY_BYTES, boxKeyPair, boxSeed, chainKey, epochId, isEpochId, newEpochKey, openSealedKey, sealKey, toEpochKey, unchainKey
} from '../src/room/epoch-keys.js'
import { type EpochLink, Keyring, linkEpoch } from '../src/room/keyring.js'
import { MAX_SEALED_PLAINTEXT, SEALED_TYPE, encodeSealed, isSealed, openEntry, parseSealed, sealEntry, sealedSize } from '../src/room/sealed-entries.js'

const ROOM = Buffer.alloc(32, 1)
const ALICE = Buffer.alloc(32, 2)
const BOB = Buffer.alloc(32, 3)
const pairFor = (name: string) => boxKeyPair(boxSeed(crypto.createHash('sha512').update(name).digest(), ROOM))

test('an epoch id is 16 hex of a keyed hash of the key: stable, distinct per key', (t) => {
  const key = newEpochKey()
  t.is(key.length, 32)
  t.ok(isEpochId(epochId(key)))
  t.is(epochId(key), epochId(Buffer.from(key)), 'the same key, the same id')
  t.not(epochId(key), epochId(newEpochKey()))
  t.is(epochId(Buffer.alloc(32)), epochId(Buffer.alloc(32)))
  t.exception.all(() => epochId(Buffer.alloc(31)), /32 bytes/)
  t.absent(isEpochId('0123456789ABCDEF'), 'upper case is not an id')
  t.absent(isEpochId('0123456789abcde'))
})

test('a member\'s box key comes from its store\'s secret and the room: same storage, same key; other room, other key', (t) => {
  const secret = crypto.randomBytes(64)
  const a = boxKeyPair(boxSeed(secret, ROOM))
  const again = boxKeyPair(boxSeed(Buffer.from(secret), ROOM))
  t.alike(a.publicKey, again.publicKey, 'a restart derives the same pair')
  t.alike(a.secretKey, again.secretKey)
  t.unlike(boxKeyPair(boxSeed(secret, Buffer.alloc(32, 9))).publicKey, a.publicKey, 'another room')
  t.unlike(boxKeyPair(boxSeed(crypto.randomBytes(64), ROOM)).publicKey, a.publicKey, 'another storage')
  t.is(a.publicKey.length, 32)
  t.exception.all(() => boxSeed(Buffer.alloc(16), ROOM), /32 to 64 bytes/)
  t.exception.all(() => boxSeed(secret, Buffer.alloc(31)), /room key/)
})

test('an epoch key sealed to a member opens only with that member\'s box key and only as that epoch', (t) => {
  const key = newEpochKey()
  const id = epochId(key)
  const alice = pairFor('alice')
  const bob = pairFor('bob')
  const sealed = sealKey(key, alice.publicKey)
  t.is(sealed.length, SEALED_KEY_BYTES)
  t.alike(openSealedKey(sealed, alice, id), key)
  t.is(openSealedKey(sealed, bob, id), null, 'another member cannot open it')
  t.is(openSealedKey(sealed, alice, epochId(newEpochKey())), null, 'claimed as another epoch')
  for (const at of [0, 31, 32, 79]) {
    const bad = Buffer.from(sealed)
    bad[at]! ^= 1
    t.is(openSealedKey(bad, alice, id), null, `byte ${at} flipped`)
  }
  t.is(openSealedKey(sealed.subarray(0, 79), alice, id), null, 'truncated')
  t.unlike(sealKey(key, alice.publicKey), sealed, 'sealing twice gives different bytes (ephemeral key)')
})

test('each epoch key carries the previous one: opened only with the next key, only as the previous epoch', (t) => {
  const k0 = newEpochKey()
  const k1 = newEpochKey()
  const box = chainKey(k0, k1)
  t.is(box.length, CHAINED_KEY_BYTES)
  t.alike(unchainKey(box, k1, epochId(k0)), k0)
  t.is(unchainKey(box, k0, epochId(k0)), null, 'the previous key does not open its own box')
  t.is(unchainKey(box, newEpochKey(), epochId(k0)), null, 'a stranger key')
  t.is(unchainKey(box, k1, epochId(newEpochKey())), null, 'claimed to hold another epoch')
  const bad = Buffer.from(box)
  bad[40]! ^= 1
  t.is(unchainKey(bad, k1, epochId(k0)), null, 'tampered')
  // a box made for k0 -> k1 cannot stand for k0 -> k2, even with k1 == k2's bytes claimed
  const k2 = newEpochKey()
  t.is(unchainKey(box, k2, epochId(k0)), null)
  t.is(unchainKey(box.subarray(1), k1, epochId(k0)), null, 'wrong length')
})

test('a sealed entry is the envelope JSON, opens with its epoch key, and is bound to its room, author and epoch', (t) => {
  const key = newEpochKey()
  const plain = Buffer.from(JSON.stringify({ type: 'chat', nick: 'alice', text: 'hello', time: 1700000000000 }))
  const sealed = sealEntry(plain, toEpochKey(key), { roomKey: ROOM, author: ALICE })
  t.is(sealed.type, SEALED_TYPE)
  t.is(sealed.e, epochId(key))
  const json = encodeSealed(sealed)
  t.is(json.length, sealedSize(plain.length), 'sealedSize is exact')
  const value = JSON.parse(json.toString())
  t.alike(value, { ...sealed }, 'the JSON is the object, keys in order')
  t.alike(Object.keys(value), ['type', 'v', 'e', 'c'])
  t.ok(isSealed(value))
  const parsed = parseSealed(value)
  if ('error' in parsed) return t.fail(parsed.error)
  t.alike(openEntry(parsed, key, { roomKey: ROOM, author: ALICE }), plain)
  t.is(openEntry(parsed, newEpochKey(), { roomKey: ROOM, author: ALICE }), null, 'another epoch\'s key')
  t.is(openEntry(parsed, key, { roomKey: ROOM, author: BOB }), null, 'passed off as bob\'s')
  t.is(openEntry(parsed, key, { roomKey: Buffer.alloc(32, 7), author: ALICE }), null, 'moved to another room')
  const other = newEpochKey()
  t.is(openEntry({ epoch: epochId(other), payload: parsed.payload }, other, { roomKey: ROOM, author: ALICE }), null, 'relabelled as another epoch')
  t.is(openEntry({ epoch: epochId(other), payload: parsed.payload }, key, { roomKey: ROOM, author: ALICE }), null, 'the right key, but the envelope names another epoch')
  const tampered = Buffer.from(parsed.payload)
  tampered[tampered.length - 1]! ^= 1
  t.is(openEntry({ epoch: parsed.epoch, payload: tampered }, key, { roomKey: ROOM, author: ALICE }), null, 'tampered')
  t.not(sealEntry(plain, toEpochKey(key), { roomKey: ROOM, author: ALICE }).c, sealed.c, 'a fresh nonce each time')
})

test('sealed entries: sizes are exact at every length, and the largest sealable entry is still an entry', (t) => {
  const key = newEpochKey()
  for (let n = 0; n < 64; n++) {
    t.is(encodeSealed(sealEntry(Buffer.alloc(n, 0x61), toEpochKey(key), { roomKey: ROOM, author: ALICE })).length, sealedSize(n), `${n} bytes`)
  }
  t.ok(sealedSize(MAX_SEALED_PLAINTEXT) <= MAX_ENTRY_BYTES)
  t.ok(sealedSize(MAX_SEALED_PLAINTEXT + 1) > MAX_ENTRY_BYTES)
  const largest = encodeSealed(sealEntry(Buffer.alloc(MAX_SEALED_PLAINTEXT, 0x61), toEpochKey(key), { roomKey: ROOM, author: ALICE }))
  t.ok(largest.length <= MAX_ENTRY_BYTES)
  t.exception(() => sealEntry(Buffer.alloc(MAX_SEALED_PLAINTEXT + 1), toEpochKey(key), { roomKey: ROOM, author: ALICE }), /over the 1048576-byte limit/)
  t.is(sealedSize(75), 212, "a 75-byte entry: 58 bytes of envelope, 154 of base64url (nonce, entry, MAC)")
})

test('a sealed entry\'s shape is checked without opening it', (t) => {
  const key = newEpochKey()
  const good = { ...sealEntry(Buffer.from('{"type":"x"}'), toEpochKey(key), { roomKey: ROOM, author: ALICE }) }
  t.ok('epoch' in parseSealed(good))
  const bad: [unknown, RegExp][] = [
    [{ type: 'chat' }, /not a sealed entry/],
    [null, /not a sealed entry/],
    [{ ...good, extra: 1 }, /unexpected key "extra"/],
    [{ ...good, v: 2 }, /version 2/],
    [{ ...good, v: '1' }, /version "1"/],
    [{ ...good, e: good.e.toUpperCase() }, /epoch id/],
    [{ ...good, e: undefined }, /epoch id/],
    [{ ...good, c: good.c + '=' }, /base64url/],
    [{ ...good, c: good.c.replace(/.$/, '+') }, /base64url/],
    [{ ...good, c: 'A'.repeat(5) }, /base64url/],
    [{ ...good, c: 'AAAA' }, /too short/],
    [{ ...good, c: 7 }, /base64url/],
    [{ ...good, c: 'A'.repeat(1_400_000) }, /size limit/]
  ]
  for (const [value, error] of bad) {
    const r = parseSealed(value)
    t.ok('error' in r && error.test(r.error), `${JSON.stringify(value)?.slice(0, 60)} -> ${'error' in r ? r.error : 'accepted'}`)
  }
})

// The room's epochs as a test builds them: each key sealed to some members.
function room (epochs: { members: string[] }[], concurrentFrom?: number) {
  const keys: Buffer[] = []
  const links: EpochLink[] = []
  const seals: { id: string, to: string, sealed: Buffer }[] = []
  for (let i = 0; i < epochs.length; i++) {
    const key = newEpochKey()
    const previous = i === 0 ? null : keys[concurrentFrom !== undefined && i > concurrentFrom ? concurrentFrom : i - 1]!
    keys.push(key)
    links.push(linkEpoch(key, previous))
    for (const m of epochs[i]!.members) seals.push({ id: epochId(key), to: m, sealed: sealKey(key, pairFor(m).publicKey) })
  }
  const ring = (member: string) => {
    const r = new Keyring(pairFor(member))
    for (const l of links) r.addEpoch(l)
    for (const s of seals) if (s.to === member) r.addSeal(s.id, s.sealed)
    return r
  }
  return { keys, ids: keys.map(epochId), links, ring }
}

test('keyring: a removed member holds the epochs up to its removal and none after; those who stay hold all', (t) => {
  // e0: alice bob carol; e1 (dave removed): the same; e2 (bob removed): alice carol; e3: alice carol
  const r = room([{ members: ['alice', 'bob', 'carol'] }, { members: ['alice', 'bob', 'carol'] }, { members: ['alice', 'carol'] }, { members: ['alice', 'carol'] }])
  const bob = r.ring('bob')
  t.alike(bob.key(r.ids[0]!), r.keys[0])
  t.alike(bob.key(r.ids[1]!), r.keys[1])
  t.is(bob.key(r.ids[2]!), null, 'not the epoch that removed it')
  t.is(bob.key(r.ids[3]!), null, 'nor any later one')
  const carol = r.ring('carol')
  for (let i = 0; i < 4; i++) t.alike(carol.key(r.ids[i]!), r.keys[i], `carol holds e${i}`)
  t.is(r.ring('mallory').key(r.ids[0]!), null, 'a storage nobody sealed to holds nothing')
})

test('keyring: a newcomer sealed only the current epoch reads the history through the chain', (t) => {
  const r = room([{ members: ['alice'] }, { members: ['alice'] }, { members: ['alice', 'erin'] }])
  const erin = r.ring('erin')
  t.alike(erin.key(r.ids[0]!), r.keys[0])
  t.alike(erin.key(r.ids[1]!), r.keys[1])
  t.ok(erin.has(r.ids[2]!))
  t.is(erin.key('0123456789abcdef'), null, 'an epoch the room does not have')
})

test('keyring: a thousand epochs resolve without recursion; concurrent epochs from one parent both lead back', (t) => {
  const long = room(Array.from({ length: 1000 }, (_, i) => ({ members: i === 999 ? ['erin'] : ['alice'] })))
  const erin = long.ring('erin')
  const started = Date.now()
  t.alike(erin.key(long.ids[0]!), long.keys[0])
  t.ok(Date.now() - started < 2000, `resolved 1000 epochs in ${Date.now() - started} ms`)
  // e1 and e2 both chain from e0 (two admins rekeyed at once); erin holds only e2
  const forked = room([{ members: ['alice'] }, { members: ['alice'] }, { members: ['erin'] }], 0)
  const ring = forked.ring('erin')
  t.alike(ring.key(forked.ids[0]!), forked.keys[0])
  t.is(ring.key(forked.ids[1]!), null, 'the sibling epoch is not reachable')
})

test('keyring: bogus seals and a hostile chain link do not hide or replace a key', (t) => {
  const k0 = newEpochKey()
  const k1 = newEpochKey()
  const erin = pairFor('erin')
  const ring = new Keyring(erin)
  ring.addEpoch(linkEpoch(k0, null))
  // a hostile member links e1 to e0 with a box that holds some other key
  const hostile = linkEpoch(k1, newEpochKey())
  ring.addEpoch({ id: hostile.id, previous: { id: epochId(k0), box: hostile.previous!.box } })
  ring.addSeal(epochId(k1), crypto.randomBytes(SEALED_KEY_BYTES))
  ring.addSeal(epochId(k1), sealKey(k1, pairFor('bob').publicKey))
  ring.addSeal(epochId(k1), sealKey(k1, erin.publicKey))
  t.alike(ring.key(epochId(k1)), k1, 'the good seal is found among bad ones')
  t.is(ring.key(epochId(k0)), null, 'a link that does not open to e0\'s key gives nothing')
  const own = new Keyring(erin)
  t.is(own.addKey(k0), epochId(k0))
  t.alike(own.key(epochId(k0)), k0, 'a key the member made itself')
})
