// What a follower gave out at each position, as (author, authorSeq), about 12
// bytes a position: authors are numbered.
export class GivenLog {
  private readonly start: number
  private readonly authors: string[] = []
  private readonly index = new Map<string, number>()
  private authorAt = new Uint32Array(1024)
  private seqAt = new Float64Array(1024)
  private length = 0

  constructor (start: number) {
    this.start = start
  }

  set (at: number, author: string, authorSeq: number): void {
    const pos = at - this.start
    if (pos < 0 || pos > this.length) return // given out in order, from where the follower started
    while (pos >= this.authorAt.length) this.grow()
    let i = this.index.get(author)
    if (i === undefined) {
      i = this.authors.push(author) - 1
      this.index.set(author, i)
    }
    this.authorAt[pos] = i
    this.seqAt[pos] = authorSeq
    this.length = Math.max(this.length, pos + 1)
  }

  get (at: number): string | null {
    const pos = at - this.start
    if (pos < 0 || pos >= this.length) return null
    return this.authors[this.authorAt[pos]!] + ':' + this.seqAt[pos]
  }

  truncate (at: number): void {
    this.length = Math.max(0, Math.min(this.length, at - this.start))
  }

  private grow (): void {
    const authors = new Uint32Array(this.authorAt.length * 2)
    authors.set(this.authorAt)
    const seqs = new Float64Array(this.seqAt.length * 2)
    seqs.set(this.seqAt)
    this.authorAt = authors
    this.seqAt = seqs
  }
}
