// The current texts of recently used messages, in at most `budget`
// characters. Two generations rather than a strict LRU (a Map iterated from
// its oldest entry after many deletes costs time in the holes they leave):
// texts go into the young one; when it holds half the budget it becomes the
// old one, and the previous old one is dropped; a text read from the old one
// moves back to the young. A dropped text is read again from its entry when it
// is needed (resolver.ts).
export class TextCache {
  private readonly half: number
  private young = new Map<number, string>()
  private old = new Map<number, string>()
  private youngChars = 0
  private oldChars = 0

  constructor (budget = Infinity) {
    this.half = budget / 2
  }

  get size (): number { return this.young.size + this.old.size }
  get held (): number { return this.youngChars + this.oldChars }

  get (id: number): string | undefined {
    const young = this.young.get(id)
    if (young !== undefined) return young
    const old = this.old.get(id)
    if (old === undefined) return undefined
    this.old.delete(id)
    this.oldChars -= old.length
    this.put(id, old)
    return old
  }

  set (id: number, text: string): void {
    this.delete(id)
    if (text.length > this.half) return
    this.put(id, text)
  }

  delete (id: number): void {
    const young = this.young.get(id)
    if (young !== undefined) {
      this.young.delete(id)
      this.youngChars -= young.length
    }
    const old = this.old.get(id)
    if (old !== undefined) {
      this.old.delete(id)
      this.oldChars -= old.length
    }
  }

  private put (id: number, text: string): void {
    this.young.set(id, text)
    this.youngChars += text.length
    if (this.youngChars <= this.half) return
    this.old = this.young
    this.oldChars = this.youngChars
    this.young = new Map()
    this.youngChars = 0
  }
}
