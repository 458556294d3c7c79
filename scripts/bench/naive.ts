// The websocket-blockchain tutorials' design, as the benchmark's reference: a
// ws server holds the whole chain and sends all of it, as one JSON message, to
// every client when it connects and again to every client on every new block.
//   naive.js server COUNT         prints its port; on a stdin line "add", appends one block and broadcasts
//   naive.js client URL           prints a JSON line per message: the chain length, bytes, parse time
import crypto from 'node:crypto'
import { WebSocket, WebSocketServer } from 'ws'

const [mode, arg] = process.argv.slice(2)

interface NaiveBlock { index: number, timestamp: number, previousHash: string, data: string, hash: string }

function block (index: number, previousHash: string): NaiveBlock {
  const timestamp = 1700000000000 + index
  const data = 'entry number ' + String(index).padStart(7, '0')
  const hash = crypto.hash('sha256', index + previousHash + timestamp + data, 'hex')
  return { index, timestamp, previousHash, data, hash }
}

if (mode === 'server') {
  const chain: NaiveBlock[] = []
  for (let i = 0; i < Number(arg); i++) chain.push(block(i, chain[i - 1]?.hash ?? '0'))
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 1 << 30 })
  const broadcast = () => {
    const message = JSON.stringify(chain)
    for (const ws of wss.clients) ws.send(message)
    return message.length
  }
  wss.on('connection', (ws) => ws.send(JSON.stringify(chain)))
  wss.on('listening', () => {
    const address = wss.address()
    process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }) + '\n')
  })
  process.stdin.setEncoding('utf8').on('data', (d: string) => {
    for (const line of d.split('\n')) {
      if (line !== 'add') continue
      chain.push(block(chain.length, chain[chain.length - 1]!.hash))
      const bytes = broadcast()
      process.stdout.write(JSON.stringify({ broadcast: chain.length, bytes, sent: performance.timeOrigin + performance.now() }) + '\n')
    }
  })
  process.on('SIGTERM', () => { wss.close(); process.exit(0) })
}

if (mode === 'client') {
  const ws = new WebSocket(arg!, { maxPayload: 1 << 30 })
  ws.on('message', (data: Buffer) => {
    const started = performance.now()
    const chain = JSON.parse(data.toString()) as NaiveBlock[]
    // the tutorials' node validates the received chain before replacing its own
    let ok = true
    for (let i = 1; i < chain.length; i++) if (chain[i]!.previousHash !== chain[i - 1]!.hash) ok = false
    process.stdout.write(JSON.stringify({ length: chain.length, bytes: data.length, ok, parseMs: performance.now() - started, at: performance.timeOrigin + performance.now() }) + '\n')
  })
  process.on('SIGTERM', () => { ws.terminate(); process.exit(0) })
}
