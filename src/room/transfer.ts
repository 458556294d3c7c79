import type Hypercore from 'hypercore'

export interface Counts { blocks: number, bytes: number }

export class Transfer {
  readonly uploaded: Counts = { blocks: 0, bytes: 0 }
  readonly downloaded: Counts = { blocks: 0, bytes: 0 }

  count (core: Hypercore): void {
    core.on('upload', (_index: number, bytes: number) => add(this.uploaded, bytes))
    core.on('download', (_index: number, bytes: number) => add(this.downloaded, bytes))
  }
}

function add (counts: Counts, bytes: number): void {
  counts.blocks++
  counts.bytes += bytes
}
