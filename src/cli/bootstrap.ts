import { parse, int, str } from './args.js'
import { helpRequested } from './common.js'
import { untilSignal } from './io.js'
import type { Context } from './main.js'
import { BootstrapNode, LOCAL_HOST, LOCAL_PORT } from '../network/local.js'
import { usage } from '../errors.js'
import { isIPv4 } from 'node:net'

const HELP = `usage: hyperfeed bootstrap [--host ${LOCAL_HOST}] [--port ${LOCAL_PORT}]

Runs a HyperDHT bootstrap node, for machines with no internet or a LAN of your
own, and prints HOST:PORT once it is ready. Point writers and viewers at it with
--bootstrap HOST:PORT. The default address is the one --local uses. For a LAN,
pass this machine's LAN address as --host.`

export default async function bootstrap (argv: string[], ctx: Context): Promise<number> {
  const p = parse('bootstrap', argv, { host: { type: 'string' }, port: { type: 'string' } })
  if (helpRequested(p)) {
    await ctx.stdout.line(HELP)
    return 0
  }
  const host = str(p, 'host') ?? LOCAL_HOST
  if (!isIPv4(host) || host === '0.0.0.0') throw usage(`--host must be a concrete IPv4 address of this machine, not ${JSON.stringify(host)}`)
  const port = int(p, 'port', { min: 1, max: 65535 }) ?? LOCAL_PORT
  const signal = untilSignal()
  const node = new BootstrapNode({ host, port, takeover: false })
  try {
    await node.hold()
    await ctx.stdout.line(node.address)
    await signal.promise
    return 0
  } finally {
    signal.dispose()
    await node.close()
  }
}
