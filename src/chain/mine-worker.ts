import crypto from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import type { MineRequest, MineResult } from './mine.js'

const ZERO = 48
const NINE = 57

// Only the nonce changes, so the preimage stays in one buffer and its digits are counted up in
// place, like an odometer: per try, one sha256 and nothing else.
function search ({ template, start }: MineRequest): MineResult {
  const { height, time, prev, difficulty, data } = template
  const head = Buffer.from('[' + height + ',' + time + ',' + JSON.stringify(prev) + ',' + difficulty + ',')
  const tail = Buffer.from(',' + JSON.stringify(data) + ']')
  const buf = Buffer.alloc(head.length + 16 + tail.length)
  head.copy(buf)
  let digits = 0
  let view = buf
  const place = (nonce: number) => {
    const text = String(nonce)
    digits = text.length
    buf.write(text, head.length, 'latin1')
    tail.copy(buf, head.length + digits)
    view = buf.subarray(0, head.length + digits + tail.length)
  }
  place(start)
  const threshold = 2 ** (32 - difficulty)
  for (let nonce = start; nonce <= Number.MAX_SAFE_INTEGER; nonce++) {
    const digest = crypto.hash('sha256', view, 'buffer') as unknown as Buffer
    if (digest.readUInt32BE(0) < threshold) return { nonce, hash: digest.toString('hex'), hashes: nonce - start + 1 }
    let p = head.length + digits - 1
    while (p >= head.length && buf[p] === NINE) buf[p--] = ZERO
    if (p < head.length) place(nonce + 1) // one more digit: the tail moves
    else buf[p]!++
  }
  return { nonce: -1, hash: '', hashes: Number.MAX_SAFE_INTEGER - start }
}

parentPort!.on('message', (msg: { id: number, request: MineRequest }) => {
  parentPort!.postMessage({ id: msg.id, result: search(msg.request) })
})
