// What the resolver keeps of every entry it has seen, in typed arrays (about
// 50 bytes a message, 4 an entry) rather than objects: enough to judge any
// later reference and rebuild a message's state, without its text.

export const UNKNOWN = -1
export const NOT_MESSAGE = -2

export const EDITED = 1
export const DELETED = 2
export const BY_ADMIN = 4

const INITIAL = 1024

export interface NewMessage {
  author: number
  authorSeq: number
  seq: number
  time: number
  nick: string
}

export class MessageTable {
  // authors by number (a feed has one, number 0, named '')
  private readonly authorNames: string[] = []
  private readonly authorIds = new Map<string, number>()
  // per author: its entry number -> message index, NOT_MESSAGE or UNKNOWN
  private readonly positions: Int32Array[] = []
  private readonly nickNames: string[] = []
  private readonly nickIds = new Map<string, number>()
  count = 0
  author = new Uint32Array(INITIAL)
  authorSeq = new Float64Array(INITIAL)
  seq = new Float64Array(INITIAL)
  time = new Float64Array(INITIAL)
  nick = new Uint32Array(INITIAL)
  // seq of the entry that holds the current text (the message or its last edit)
  textSeq = new Float64Array(INITIAL)
  flags = new Uint8Array(INITIAL)
  // the replied-to message (UNKNOWN: not a reply, or an ignored reference)
  replyTo = new Int32Array(INITIAL).fill(UNKNOWN)

  authorId (name: string): number {
    let id = this.authorIds.get(name)
    if (id === undefined) {
      id = this.authorNames.push(name) - 1
      this.authorIds.set(name, id)
      this.positions.push(new Int32Array(0))
    }
    return id
  }

  // The number of an author already seen (undefined: none).
  knownAuthor (name: string): number | undefined {
    return this.authorIds.get(name)
  }

  authorName (id: number): string {
    return this.authorNames[id]!
  }

  nickName (i: number): string {
    return this.nickNames[this.nick[i]!]!
  }

  // What is at (author, authorSeq): a message index, NOT_MESSAGE or UNKNOWN.
  at (author: number, authorSeq: number): number {
    const list = this.positions[author]
    if (list === undefined || authorSeq >= list.length) return UNKNOWN
    return list[authorSeq]!
  }

  markEntry (author: number, authorSeq: number): void {
    this.setPosition(author, authorSeq, NOT_MESSAGE)
  }

  addMessage (m: NewMessage): number {
    const i = this.count
    if (i === this.flags.length) this.grow()
    this.count++
    this.author[i] = m.author
    this.authorSeq[i] = m.authorSeq
    this.seq[i] = m.seq
    this.time[i] = m.time
    this.nick[i] = this.nickId(m.nick)
    this.textSeq[i] = m.seq
    this.setPosition(m.author, m.authorSeq, i)
    return i
  }

  private nickId (nick: string): number {
    let id = this.nickIds.get(nick)
    if (id === undefined) {
      id = this.nickNames.push(nick) - 1
      this.nickIds.set(nick, id)
    }
    return id
  }

  private setPosition (author: number, authorSeq: number, value: number): void {
    let list = this.positions[author]!
    if (authorSeq >= list.length) {
      let size = Math.max(INITIAL, list.length)
      while (size <= authorSeq) size *= 2
      const grown = new Int32Array(size).fill(UNKNOWN)
      grown.set(list)
      this.positions[author] = list = grown
    }
    list[authorSeq] = value
  }

  private grow (): void {
    const size = this.flags.length * 2
    this.author = resize(this.author, size)
    this.authorSeq = resize(this.authorSeq, size)
    this.seq = resize(this.seq, size)
    this.time = resize(this.time, size)
    this.nick = resize(this.nick, size)
    this.textSeq = resize(this.textSeq, size)
    this.flags = resize(this.flags, size)
    const replyTo = new Int32Array(size).fill(UNKNOWN)
    replyTo.set(this.replyTo)
    this.replyTo = replyTo
  }
}

type Typed = Uint32Array | Float64Array | Uint8Array

function resize<T extends Typed> (array: T, size: number): T {
  const grown = new (array.constructor as new (n: number) => T)(size)
  grown.set(array)
  return grown
}
