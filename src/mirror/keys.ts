import { invalidMirrorKey, isHyperfeedError } from '../errors.js'
import { parseKey, toHex } from '../keys.js'

// A mirror's key or a trusted identity, as 64 hex or 52 z32 characters.
export function parseMirrorKey (input: string, what = 'mirror key'): Buffer {
  try {
    return parseKey(input)
  } catch (err) {
    if (isHyperfeedError(err) && err.code === 'INVALID_KEY') throw invalidMirrorKey(what, input)
    throw err
  }
}

// Several keys (repeated flags, or a comma-separated list such as
// HYPERFEED_MIRRORS), each checked, duplicates dropped, order kept.
export function parseMirrorKeys (inputs: string[], what = 'mirror key'): Buffer[] {
  const seen = new Map<string, Buffer>()
  for (const input of inputs.flatMap(s => s.split(','))) {
    if (input.trim() === '') continue
    const key = parseMirrorKey(input, what)
    seen.set(toHex(key), key)
  }
  return [...seen.values()]
}
