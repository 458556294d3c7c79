import DHT from 'hyperdht'
import ReadyResource from 'ready-resource'
import { BootstrapNode } from '../network/local.js'
import { BootstrapHealth } from '../network/health.js'
import { type NetworkOptions, resolveNodes } from '../network/options.js'
import type { KeyPair } from './identity.js'

// One HyperDHT node with hyperfeed's network options (--local, --bootstrap,
// --host; unfirewalled on a DHT of our own), for a mirror or a mirror client
// that runs outside a Network. Events: 'takeover' (this process now runs the
// --local bootstrap node), 'bootstrap-unreachable', 'bootstrap-reachable',
// 'warning'.
export class MirrorDht extends ReadyResource {
  readonly options: NetworkOptions
  private readonly keyPair: KeyPair | null
  private node: DHT | null = null
  bootstrapNode: BootstrapNode | null = null
  private health: BootstrapHealth | null = null

  constructor (options: NetworkOptions, { keyPair = null }: { keyPair?: KeyPair | null } = {}) {
    super()
    this.options = options
    this.keyPair = keyPair
  }

  get dht (): DHT {
    if (this.node === null) throw new Error('MirrorDht is not open')
    return this.node
  }

  protected override async _open (): Promise<void> {
    try {
      await this.start()
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  private async start (): Promise<void> {
    const { bootstrap = null, host, localBootstrap = null, firewalled = bootstrap === null } = this.options
    if (localBootstrap !== null) {
      this.bootstrapNode = new BootstrapNode({ ...localBootstrap, takeover: true })
      this.bootstrapNode.on('takeover', () => this.emit('takeover', this.bootstrapNode?.address))
      this.bootstrapNode.on('warning', (err: Error) => this.emit('warning', err))
      await this.bootstrapNode.ready()
    }
    const nodes = bootstrap !== null ? await resolveNodes(bootstrap) : null
    this.node = new DHT({
      ...(nodes !== null ? { bootstrap: nodes } : {}),
      ...(host !== undefined ? { host } : {}),
      ...(firewalled ? {} : { firewalled: false }),
      ...(this.keyPair !== null ? { keyPair: this.keyPair } : {})
    })
    this.health = new BootstrapHealth(this.node, nodes ?? this.node.bootstrapNodes)
    this.health.on('unreachable', () => this.emit('bootstrap-unreachable'))
    this.health.on('reachable', () => this.emit('bootstrap-reachable'))
    await this.health.ready()
  }

  protected override _close (): Promise<void> {
    return this.stop()
  }

  private async stop (): Promise<void> {
    await this.health?.close()
    if (this.node !== null && !this.node.destroyed) await this.node.destroy({ force: true })
    await this.bootstrapNode?.close()
  }
}
