import type { Mirror, MirrorOptions } from './mirror.js'

// Loads and opens a Mirror. blind-peer is loaded only here: importing it
// switches Hypercore to "small wants" for every core in the process
// (Hypercore.enable(SMALL_WANTS)), which a process that only writes or reads
// feeds should not get by importing the library.
export async function openMirror (dir: string, opts: MirrorOptions = {}): Promise<Mirror> {
  const { Mirror } = await import('./mirror.js')
  const mirror = new Mirror(dir, opts)
  await mirror.ready()
  return mirror
}
