import { escapeTerminal } from '../entries.js'
import { badNick } from '../errors.js'

// How members are shown: a pure function of the member list (every member the
// room has had, removed ones included), so the CLI and the room page show the
// same names and no member can be shown as another:
//  - a member is shown by its nick, untagged, only when no other member's nick
//    looks like it (same "skeleton": case, accents, invisible characters,
//    look-alike letters from other scripts folded) and the nick could not pass
//    for a tagged name (no tilde or tilde look-alike, no invisible or control
//    characters, not several scripts mixed);
//  - every other member is shown as NICK~TAG, TAG the shortest prefix of its
//    key (at least TAG_MIN hex) that no other member's key starts with.
// Two members can never be shown alike: an untagged name has no '~', untagged
// names differ (equal nicks share a skeleton, so both are tagged), and tagged
// names end in tags that differ.
export const TAG_MIN = 6
export const NICK_MAX = 32
export const TAG_SEPARATOR = '~'

export interface NamedMember {
  key: string
  nick: string
}

// Characters that display as nothing or reorder text.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\u{e0000}-\u{e0fff}]/gu
const TILDES = /[~\u02dc\u02f7\u0303\u0330\u1dfd\u223c\u223d\u2241\u2243\u301c\u3030\uff5e\u2053]/gu
const SPACES = /[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/gu
const SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Armenian}/u, /\p{Script=Cherokee}/u, /\p{Script=Georgian}/u, /\p{Script=Coptic}/u]

// Letters of other scripts (and symbols) that pass for Latin letters or digits.
const LOOKALIKE: Record<string, string> = {
  // Cyrillic
  а: 'a', б: '6', в: 'b', г: 'r', д: 'a', е: 'e', ё: 'e', з: '3', и: 'u', к: 'k', л: 'n', м: 'm', н: 'h', о: 'o', п: 'n', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ц: 'u', ч: '4', ш: 'w', щ: 'w', ъ: 'b', ь: 'b', ѕ: 's', і: 'l', ї: 'l', ј: 'j', ԁ: 'd', ӏ: 'l', ԛ: 'q', ԝ: 'w', һ: 'h', ү: 'y', ҝ: 'k', ɡ: 'g',
  // Greek
  α: 'a', β: 'b', γ: 'y', δ: 'd', ε: 'e', η: 'n', ι: 'l', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', σ: 'o', ς: 'c', τ: 't', υ: 'u', χ: 'x', ω: 'w', ϲ: 'c', ϳ: 'j',
  // Latin and symbols
  ı: 'l', ȷ: 'j', ℓ: 'l', ł: 'l', ø: 'o', đ: 'd', ħ: 'h', ß: 'b', æ: 'ae', œ: 'oe', '|': 'l',
  // digits that pass for letters
  0: 'o', 1: 'l', 5: 's', 8: 'b'
}
// Letter pairs that pass for one letter in most fonts.
const PAIRS: [RegExp, string][] = [[/rn/g, 'm'], [/vv/g, 'w'], [/cl/g, 'd']]

// The form two nicks share when they look alike: compatibility-normalized,
// accents and invisible characters dropped, lower case, look-alikes folded.
export function skeleton (nick: string): string {
  let s = nick.normalize('NFKD').replace(/\p{M}/gu, '').replace(INVISIBLE, '').replace(TILDES, '~').replace(SPACES, ' ').trim()
  // I passes for l, and i is I in lower case: all three fold to l (at worst
  // this tags two names that differ only there, like ian and lan)
  s = Array.from(s.toLowerCase(), ch => LOOKALIKE[ch] ?? ch).join('').replace(/i/g, 'l')
  for (const [pair, one] of PAIRS) s = s.replace(pair, one)
  return s
}

// Why a nick is refused where a member picks one (null: fine). The room never
// relies on this: names() tags whatever a hostile member's copy posts.
export function nickProblem (nick: string): string | null {
  if (nick.trim().length === 0) return 'a nick cannot be empty'
  if ([...nick].length > NICK_MAX) return `a nick is at most ${NICK_MAX} characters`
  if (nick.match(TILDES) !== null) return `a nick cannot contain '${TAG_SEPARATOR}' (or a character like it): names in a room end in ${TAG_SEPARATOR}TAG`
  if (nick.match(INVISIBLE) !== null) return 'a nick cannot contain invisible or control characters'
  if (mixesScripts(nick)) return 'a nick cannot mix letters of different scripts (such as Latin and Cyrillic)'
  return null
}

export function checkNick (nick: string): void {
  const problem = nickProblem(nick)
  if (problem !== null) throw badNick(problem)
}

// A nick that is tagged whatever the other members are called.
function alwaysTagged (nick: string): boolean {
  return nick.trim().length === 0 || nick.match(TILDES) !== null || nick.match(INVISIBLE) !== null || mixesScripts(nick)
}

function mixesScripts (nick: string): boolean {
  let scripts = 0
  for (const script of SCRIPTS) if (script.test(nick)) scripts++
  return scripts > 1
}

// The name each member is shown by (keys are lower-case hex writer keys).
export function names (members: NamedMember[]): Map<string, string> {
  const bySkeleton = new Map<string, number>()
  const unique = dedupe(members)
  for (const m of unique) {
    const s = skeleton(m.nick)
    bySkeleton.set(s, (bySkeleton.get(s) ?? 0) + 1)
  }
  const keys = unique.map(m => m.key).sort()
  const out = new Map<string, string>()
  for (const m of unique) {
    const shown = showNick(m.nick)
    const tagged = alwaysTagged(m.nick) || (bySkeleton.get(skeleton(m.nick)) ?? 0) > 1
    out.set(m.key, tagged ? shown + TAG_SEPARATOR + tagOf(m.key, keys) : shown)
  }
  return out
}

// The name of an author that is not (or not yet) in the member list: its tag alone.
export function strangerName (key: string, members: NamedMember[]): string {
  const keys = [...new Set([...members.map(m => m.key), key])].sort()
  return TAG_SEPARATOR + tagOf(key, keys)
}

// The shortest prefix of `key`, at least TAG_MIN long, that no other key in
// `sorted` starts with (only the sorted neighbours can share a longer one).
export function tagOf (key: string, sorted: string[]): string {
  const keys = sorted.includes(key) ? sorted : [...sorted, key].sort()
  const i = keys.indexOf(key)
  let shared = 0
  for (const other of [keys[i - 1], keys[i + 1]]) {
    if (other === undefined) continue
    let n = 0
    while (n < key.length && key[n] === other[n]) n++
    shared = Math.max(shared, n)
  }
  return key.slice(0, Math.max(TAG_MIN, shared + 1))
}

// The nick as printed: what could drive a terminal or hide shown as escapes.
function showNick (nick: string): string {
  const visible = nick.replace(INVISIBLE, ch => '\\u' + (ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0'))
  return escapeTerminal(visible.length === 0 ? '(no nick)' : visible)
}

// One record per key: the first one wins (members are listed once; a caller
// passing duplicates must not turn one member into two).
function dedupe (members: NamedMember[]): NamedMember[] {
  const seen = new Set<string>()
  const out: NamedMember[] = []
  for (const m of members) {
    if (seen.has(m.key)) continue
    seen.add(m.key)
    out.push(m)
  }
  return out
}
