import type { Duplex } from 'node:stream'
import type test from 'brittle'
import Hypercore from 'hypercore'
import type { Replicable } from '../../src/index.js'

// Replicates two feeds, rooms or anything else the Network carries, in this
// process: two protocol streams piped into each other, as a connection would
// carry them, without a DHT or a socket. For tests of library behaviour; the
// network itself has tests of its own. Returns a function that cuts the link
// (the test's teardown cuts it too, before stores close).
export function replicate (t: test.Assert, a: Pick<Replicable, 'replicate'>, b: Pick<Replicable, 'replicate'>): () => Promise<void> {
  const initiator = Hypercore.createProtocolStream(true)
  const responder = Hypercore.createProtocolStream(false)
  initiator.pipe(responder).pipe(initiator)
  // a cut link ends with "stream destroyed"; a broken one shows as missing data
  for (const s of [initiator, responder]) s.on('error', () => {})
  a.replicate(initiator)
  b.replicate(responder)
  let cutting: Promise<void> | null = null
  const cut = () => {
    cutting ??= Promise.all([initiator, responder].map(end)).then(() => {})
    return cutting
  }
  t.teardown(cut, { order: -0.5 })
  return cut
}

function end (stream: Duplex): Promise<void> {
  if (stream.destroyed) return Promise.resolve()
  return new Promise(resolve => {
    stream.once('close', () => resolve())
    stream.destroy()
  })
}
