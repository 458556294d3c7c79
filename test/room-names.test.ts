import test from 'brittle'
import crypto from 'node:crypto'
import { Names } from '../src/room/format.js'
import { type NamedMember, TAG_MIN, names, nickProblem, skeleton, strangerName, tagOf } from '../src/room/names.js'

const key = (prefix: string) => (prefix + crypto.createHash('sha256').update(prefix).digest('hex')).slice(0, 64)
const member = (nick: string, k = key(nick + '/' + Math.random())) => ({ key: k, nick })

test('distinct nicks are shown as they are; the same nick twice tags both', (t) => {
  const alice = member('alice', key('831ecc'))
  const bob = member('bob', key('9f00aa'))
  t.alike([...names([alice, bob]).values()], ['alice', 'bob'])
  const alice2 = member('alice', key('27d4e1'))
  const shown = names([alice, bob, alice2])
  t.is(shown.get(alice.key), 'alice~831ecc')
  t.is(shown.get(alice2.key), 'alice~27d4e1')
  t.is(shown.get(bob.key), 'bob')
})

test('the issue\'s case: a member calling itself alice~831ecc is never shown as the creator alice~831ecc', (t) => {
  const creator = member('alice', key('831ecc'))
  const other = member('alice', key('5b5b5b'))
  const mallory = member('alice~831ecc', key('e0e0e0'))
  const shown = names([creator, other, mallory])
  t.is(shown.get(creator.key), 'alice~831ecc')
  t.is(shown.get(mallory.key), 'alice~831ecc~e0e0e0')
  // without the duplicate the creator is plain "alice", and mallory is still tagged
  const alone = names([creator, mallory])
  t.is(alone.get(creator.key), 'alice')
  t.is(alone.get(mallory.key), 'alice~831ecc~e0e0e0')
  for (const tilde of ['\u223c', '\uff5e', '\u301c', '\u02dc']) {
    t.is(names([creator, member(`alice${tilde}831ecc`, key('e0e0e0'))]).get(key('e0e0e0')), `alice${tilde}831ecc~e0e0e0`, `a look-alike tilde U+${tilde.codePointAt(0)!.toString(16)} is tagged too`)
  }
})

test('nicks that look alike are tagged: case, accents, look-alike letters, invisible characters', (t) => {
  const look = ['Alice', 'ALICE', 'alicé', 'аlice' /* Cyrillic а */, 'alіce' /* Cyrillic і */, 'a\u200blice', 'ＡＬＩＣＥ', 'al1ce', 'aIice', ' alice ', 'alice\u0301']
  for (const nick of look) {
    t.is(skeleton(nick), skeleton('alice'), `${JSON.stringify(nick)} looks like alice`)
    const a = member('alice', key('111111'))
    const b = member(nick, key('222222'))
    const shown = names([a, b])
    t.is(shown.get(a.key), 'alice~111111', `alice is tagged beside ${JSON.stringify(nick)}`)
    t.ok(shown.get(b.key)!.endsWith('~222222'))
  }
  t.is(skeleton('rnary'), skeleton('mary'))
  t.is(skeleton('vvendy'), skeleton('wendy'))
  t.not(skeleton('bob'), skeleton('rob'))
  t.alike([...names([member('bob'), member('rob'), member('eve')]).values()], ['bob', 'rob', 'eve'], 'different names stay plain')
  const ian = member('ian', key('888888'))
  t.is(names([ian, member('lan')]).get(ian.key), 'ian~888888', 'i and l fold together: tagged, never confused')
})

test('invisible and control characters are shown, never obeyed; mixed scripts are tagged even when unique', (t) => {
  const sneaky = member('bo\u202eb', key('333333'))
  t.is(names([sneaky]).get(sneaky.key), 'bo\\u202eb~333333')
  const bell = member('ding\u0007', key('444444'))
  t.is(names([bell]).get(bell.key), 'ding\\u0007~444444')
  const mixed = member('pаypal' /* Cyrillic а */, key('555555'))
  t.is(names([mixed]).get(mixed.key), 'pаypal~555555')
  const cyrillic = member('Борис', key('666666'))
  t.is(names([cyrillic]).get(cyrillic.key), 'Борис', 'one script, unique: plain')
  const empty = member('', key('777777'))
  t.is(names([empty]).get(empty.key), '(no nick)~777777')
})

test('tags grow past 6 hex when two keys share a longer prefix', (t) => {
  const a = { key: 'abcdef0' + '1'.repeat(57), nick: 'x' }
  const b = { key: 'abcdef0' + '2'.repeat(57), nick: 'x' }
  const c = { key: 'abcdef9' + '3'.repeat(57), nick: 'x' }
  const shown = names([a, b, c])
  t.is(shown.get(a.key), 'x~abcdef01')
  t.is(shown.get(b.key), 'x~abcdef02')
  t.is(shown.get(c.key), 'x~abcdef9')
  t.is(tagOf(a.key, [a.key]), a.key.slice(0, TAG_MIN))
  t.is(tagOf(a.key, [b.key]), 'abcdef01', 'a key missing from the list is compared as if it were in it')
  t.is(strangerName(a.key, [b, c]), '~abcdef01')
})

test('names depend only on the member list, not its order; a key listed twice is one member', (t) => {
  const list = [member('alice'), member('Alice'), member('bob'), member('b0b'), member('carol~x'), member('dave')]
  const expected = names(list)
  for (let i = 0; i < 20; i++) {
    const shuffled = [...list].sort(() => Math.random() - 0.5)
    t.alike([...names(shuffled)].sort(), [...expected].sort())
  }
  t.alike(names([...list, { ...list[0]!, nick: 'zed' }]).get(list[0]!.key), expected.get(list[0]!.key))
})

test('fuzz: whatever nicks members pick, even copying names others are shown by, no two are shown alike', (t) => {
  const pool = ['alice', 'Alice', 'аlice', 'alice~', '~', 'a~b', 'bob', 'b0b', 'BOB', '', ' ', 'x\u200b', 'rn', 'm', 'ﬁ', 'fi', 'ǅ', 'Dž', 'é', 'é']
  let clashes = 0
  for (let round = 0; round < 300; round++) {
    const members: NamedMember[] = []
    const n = 2 + (round % 9)
    for (let i = 0; i < n; i++) {
      const shownSoFar = [...names(members).values()]
      const copy = shownSoFar.length > 0 && Math.random() < 0.5
      const nick = copy ? shownSoFar[Math.floor(Math.random() * shownSoFar.length)]! : pool[Math.floor(Math.random() * pool.length)]!
      // keys that share long prefixes half the time
      const k = Math.random() < 0.5 ? 'aaaaaa' + crypto.randomBytes(29).toString('hex') : crypto.randomBytes(32).toString('hex')
      members.push({ key: k, nick })
    }
    const shown = [...names(members).values()]
    if (new Set(shown).size !== shown.length) clashes++
  }
  t.is(clashes, 0, 'no clash in 300 rooms')
})

test('nickProblem: what a member is told when it picks a nick', (t) => {
  t.is(nickProblem('alice'), null)
  t.is(nickProblem('Борис'), null)
  t.is(nickProblem('Ada Lovelace'), null)
  t.ok(/cannot contain '~'/.test(nickProblem('alice~831ecc') ?? ''), String(nickProblem('alice~831ecc')))
  t.ok(/cannot contain '~'/.test(nickProblem('alice\uff5e831ecc') ?? ''), String(nickProblem('alice\uff5e831ecc')))
  t.ok(/invisible/.test(nickProblem('a\u200bb') ?? ''), String(nickProblem('a\u200bb')))
  t.ok(/mix letters/.test(nickProblem('pаypal') ?? ''), String(nickProblem('pаypal')))
  t.ok(/empty/.test(nickProblem('   ') ?? ''), String(nickProblem('   ')))
  t.ok(/at most 32/.test(nickProblem('x'.repeat(33)) ?? ''))
})

test('a post\'s own nick follows its author\'s name and never replaces it', (t) => {
  const alice = member('alice', key('831ecc'))
  const mallory = member('mallory', key('e0e0e0'))
  const shown = new Names([alice, mallory])
  t.is(shown.poster(mallory.key, 'mallory'), 'mallory')
  t.is(shown.poster(mallory.key, 'alice'), 'mallory (as "alice")')
  t.is(shown.poster(alice.key, 'alice'), 'alice')
  t.is(shown.name(key('ffffff')), '~' + key('ffffff').slice(0, 6), 'an author not in the list is its tag alone')
})
