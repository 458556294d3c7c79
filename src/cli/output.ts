import safetyCatch from 'safety-catch'
import type { Writable } from 'node:stream'

// Line output with backpressure. A closed pipe (`hyperfeed view KEY | head`)
// is not an error: it just means nobody is reading any more.
export class Output {
  private readonly stream: Writable
  private broken = false
  private readonly closedWaiters: (() => void)[] = []

  constructor (stream: Writable) {
    this.stream = stream
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.markBroken()
      else throw err
    })
    stream.on('close', () => this.markBroken())
  }

  get closed (): boolean {
    return this.broken
  }

  whenClosed (): Promise<void> {
    if (this.broken) return Promise.resolve()
    return new Promise(resolve => this.closedWaiters.push(resolve))
  }

  private markBroken (): void {
    if (this.broken) return
    this.broken = true
    for (const wake of this.closedWaiters.splice(0)) wake()
  }

  async lines (lines: string[]): Promise<void> {
    if (lines.length === 0) return
    await this.write(lines.join('\n') + '\n')
  }

  line (text: string): Promise<void> {
    return this.write(text + '\n')
  }

  write (text: string): Promise<void> {
    if (this.broken) return Promise.resolve()
    if (this.stream.write(text)) return Promise.resolve()
    return new Promise(resolve => {
      const done = () => {
        this.stream.off('drain', done)
        this.stream.off('close', done)
        resolve()
      }
      this.stream.once('drain', done)
      this.stream.once('close', done)
    })
  }

  flush (): Promise<void> {
    if (this.broken || this.stream.writableLength === 0) return Promise.resolve()
    return new Promise(resolve => this.stream.write('', () => resolve()))
  }
}

// Lines pushed in one turn of the event loop leave in one write.
export class LineBuffer {
  private readonly output: Output
  private lines: string[] = []

  constructor (output: Output) {
    this.output = output
  }

  push (line: string): void {
    if (this.lines.length === 0) setImmediate(() => this.flush())
    this.lines.push(line)
  }

  private flush (): void {
    const lines = this.lines
    this.lines = []
    this.output.lines(lines).catch(safetyCatch) // a closed stdout is not an error here
  }
}

export class Status {
  private readonly stream: NodeJS.WriteStream
  private progressShown = false

  constructor (stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream
  }

  get tty (): boolean {
    return this.stream.isTTY === true
  }

  info (text: string): void {
    this.clearProgress()
    this.stream.write(text + '\n')
  }

  progress (text: string): void {
    if (!this.tty) return
    this.stream.write('\r\x1b[2K' + text)
    this.progressShown = true
  }

  clearProgress (): void {
    if (!this.progressShown) return
    this.stream.write('\r\x1b[2K')
    this.progressShown = false
  }
}
