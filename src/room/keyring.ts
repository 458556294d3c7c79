import { type BoxKeyPair, chainKey, epochId, openSealedKey, unchainKey } from './epoch-keys.js'

// What the room's state says of one epoch: its id and, except for the first,
// the previous epoch's key chained under this one.
export interface EpochLink {
  id: string
  previous: { id: string, box: Buffer } | null
}

// The epoch keys one member can hold: those sealed to its box key, and every
// earlier one reached through the chain. Fed from the room's state (epochs and
// the seals addressed to this member); it never learns a key that the state
// does not give this member, so a removed member gets no epoch after its removal.
export class Keyring {
  private readonly pair: BoxKeyPair
  private readonly keys = new Map<string, Buffer>()
  private readonly seals = new Map<string, Buffer[]>()
  private readonly links = new Map<string, EpochLink>()
  // epochs that name `id` as their previous one (concurrent rekeys can share one)
  private readonly nextOf = new Map<string, string[]>()

  constructor (pair: BoxKeyPair) {
    this.pair = pair
  }

  addEpoch (link: EpochLink): void {
    if (this.links.has(link.id)) return
    this.links.set(link.id, link)
    if (link.previous === null) return
    const next = this.nextOf.get(link.previous.id)
    if (next === undefined) this.nextOf.set(link.previous.id, [link.id])
    else next.push(link.id)
  }

  // A seal of epoch `id`'s key addressed to this member (there may be more than one).
  addSeal (id: string, sealed: Buffer): void {
    const list = this.seals.get(id)
    if (list === undefined) this.seals.set(id, [sealed])
    else list.push(sealed)
  }

  // A key this member made itself (it started the epoch).
  addKey (key: Buffer): string {
    const id = epochId(key)
    this.keys.set(id, key)
    return id
  }

  has (id: string): boolean {
    return this.key(id) !== null
  }

  // Epoch `id`'s key: opened from a seal to this member, or from a later epoch's
  // chain. Walks forward to the first epoch it can open, then back down the
  // chain, without recursion (a room may have many epochs).
  key (id: string): Buffer | null {
    const known = this.keys.get(id) ?? this.fromSeal(id)
    if (known !== null) return known
    const seen = new Set<string>([id])
    // depth-first over later epochs; each path remembers how to come back
    const stack: string[][] = [[id]]
    while (stack.length > 0) {
      const path = stack.pop()!
      for (const next of this.nextOf.get(path[path.length - 1]!) ?? []) {
        if (seen.has(next)) continue
        seen.add(next)
        const key = this.keys.get(next) ?? this.fromSeal(next)
        if (key !== null && this.unwind([...path, next], key)) return this.keys.get(id) ?? null
        stack.push([...path, next])
      }
    }
    return null
  }

  // With the key of the last epoch on `path`, opens each earlier one in turn.
  private unwind (path: string[], last: Buffer): boolean {
    let key = last
    for (let i = path.length - 1; i > 0; i--) {
      const previous = this.links.get(path[i]!)?.previous
      if (previous === undefined || previous === null || previous.id !== path[i - 1]) return false
      const opened = unchainKey(previous.box, key, previous.id)
      if (opened === null) return false
      this.keys.set(previous.id, opened)
      key = opened
    }
    return true
  }

  private fromSeal (id: string): Buffer | null {
    for (const sealed of this.seals.get(id) ?? []) {
      const key = openSealedKey(sealed, this.pair, id)
      if (key !== null) {
        this.keys.set(id, key)
        return key
      }
    }
    return null
  }
}

// What a member who starts an epoch records: the new key's id and its link
// to the previous epoch (null for a room's first epoch).
export function linkEpoch (key: Buffer, previous: Buffer | null): EpochLink {
  return { id: epochId(key), previous: previous === null ? null : { id: epochId(previous), box: chainKey(previous, key) } }
}
