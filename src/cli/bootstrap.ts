import { isIPv4 } from 'node:net'
import { command, description, flag, summary } from 'paparam'
import { int, str } from './args.js'
import { define } from './command.js'
import { STOP_NETWORK } from './shutdown.js'
import { BootstrapNode, LOCAL_HOST, LOCAL_PORT, localPort } from '../network/local.js'
import { usage } from '../errors.js'

export default define(command('bootstrap',
  summary('run a DHT bootstrap node for offline or LAN use'),
  description(`Runs a HyperDHT bootstrap node, for machines with no internet or a LAN of your
own, and prints HOST:PORT once it is ready. Point writers and viewers at it with
--bootstrap HOST:PORT. The default address is the one --local uses. For a LAN,
pass this machine's LAN address as --host.`),
  flag('--host <addr>', `concrete IPv4 address to bind (default ${LOCAL_HOST})`),
  flag('--port <port>', `UDP port (default ${LOCAL_PORT}, or HYPERFEED_LOCAL_PORT)`)
), async (p, ctx) => {
  const host = str(p, 'host') ?? LOCAL_HOST
  if (!isIPv4(host) || host === '0.0.0.0') throw usage(`--host must be a concrete IPv4 address of this machine, not ${JSON.stringify(host)}`)
  const port = int(p, 'port', { min: 1, max: 65535 }) ?? localPort(ctx.env)
  const node = new BootstrapNode({ host, port, takeover: false })
  ctx.warnings.watch(node, 'bootstrap node')
  ctx.shutdown.add(STOP_NETWORK, () => node.close())
  await node.hold()
  await ctx.stdout.line(node.address)
  await ctx.shutdown.stopped()
  return 0
})
