import crypto from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import type { MineRequest, MineResult } from './mine.js'

// The nonce search, run on a worker thread. The preimage is
// JSON.stringify([height, time, prev, difficulty, nonce, data]); only the nonce
// changes, so it is built from two fixed halves around it.
function search ({ template, start }: MineRequest): MineResult {
  const { height, time, prev, difficulty, data } = template
  const head = '[' + height + ',' + time + ',' + JSON.stringify(prev) + ',' + difficulty + ','
  const tail = ',' + JSON.stringify(data) + ']'
  // the first 32 bits of the digest, read big-endian, must be below this
  const threshold = 2 ** (32 - difficulty)
  for (let nonce = start; nonce <= Number.MAX_SAFE_INTEGER; nonce++) {
    const digest = crypto.hash('sha256', head + nonce + tail, 'buffer') as unknown as Buffer
    if (digest.readUInt32BE(0) < threshold) return { nonce, hash: digest.toString('hex'), hashes: nonce - start + 1 }
  }
  return { nonce: -1, hash: '', hashes: Number.MAX_SAFE_INTEGER - start }
}

parentPort!.on('message', (msg: { id: number, request: MineRequest }) => {
  parentPort!.postMessage({ id: msg.id, result: search(msg.request) })
})
