// A shaped link between two network namespaces of our own, for the benchmark's
// shaped section. This kernel has no netem, so lossy-link (a user-space
// forwarder between two TUN devices) adds the delay, jitter, loss and rate
// limit. Both sides are fresh namespaces, so nothing touches the machine's own
// interfaces, and everything is taken down again, also when the run fails.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'

export const LOSSY_LINK = process.env.HYPERFEED_LOSSY_LINK ?? '/work/shared/tools/lossy-link'
// lossy-link's defaults: side A in its own namespace, side B in --netns
export const ADDR_A = '10.231.0.1'
export const ADDR_B = '10.231.0.2'
const READY_TIMEOUT = 10_000
const STOP_TIMEOUT = 5000
// the forwarder stops by itself after this long, should this process die without stopping it
const LINK_SECONDS = 1200

export interface LinkProfile {
  name: string
  // one way; a round trip sees twice the delay
  delayMs: number
  jitterMs: number
  // drop probability per packet, each direction
  loss: number
  rateMbit: number
}

// Why this machine cannot make a shaped link, or null when it looks like it can.
export function linkUnavailable (): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (network namespaces and TUN devices need root)'
  if (spawnSync('ip', ['-V']).error !== undefined) return 'no `ip` command (iproute2)'
  if (!fs.existsSync('/dev/net/tun')) return 'no /dev/net/tun'
  if (!fs.existsSync(LOSSY_LINK)) return `no ${LOSSY_LINK} (HYPERFEED_LOSSY_LINK names another)`
  if (spawnSync('python3', ['--version']).error !== undefined) return 'no python3 (lossy-link needs it)'
  return null
}

// The link could not be made here: a reason to skip, not a failure.
export class LinkUnavailable extends Error {}

export class ShapedLink {
  readonly profile: LinkProfile
  // namespace names: side A (ADDR_A) and side B (ADDR_B)
  readonly a: string
  readonly b: string
  private forwarder: ChildProcess | null = null
  private stderr = ''
  private closing: Promise<string> | null = null
  // if this process exits (or is interrupted) first, the namespaces still go
  private readonly onExit = () => this.teardownNow()
  private readonly onSignal = () => process.exit(130)

  private constructor (profile: LinkProfile) {
    this.profile = profile
    const id = crypto.randomBytes(3).toString('hex')
    this.a = `hfA-${process.pid}-${id}`
    this.b = `hfB-${process.pid}-${id}`
  }

  static async open (profile: LinkProfile): Promise<ShapedLink> {
    const link = new ShapedLink(profile)
    process.on('exit', link.onExit)
    process.on('SIGINT', link.onSignal)
    process.on('SIGTERM', link.onSignal)
    try {
      await link.start()
    } catch (err) {
      await link.close()
      throw err
    }
    return link
  }

  private async start (): Promise<void> {
    for (const ns of [this.a, this.b]) {
      const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' })
      if (add.status !== 0) throw new LinkUnavailable(`ip netns add failed: ${(add.stderr || add.error?.message || '').trim()}`)
      const lo = spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up'], { encoding: 'utf8' })
      if (lo.status !== 0) throw new LinkUnavailable(`could not bring lo up in ${ns}: ${lo.stderr.trim()}`)
    }
    const { delayMs, jitterMs, loss, rateMbit } = this.profile
    const forwarder = spawn('ip', ['netns', 'exec', this.a, LOSSY_LINK, '--netns', this.b,
      '--delay-ms', String(delayMs), '--jitter-ms', String(jitterMs), '--loss', String(loss), '--rate-mbit', String(rateMbit),
      '--addr-a', ADDR_A, '--addr-b', ADDR_B, '--seconds', String(LINK_SECONDS)], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.forwarder = forwarder
    forwarder.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d })
    await new Promise<void>((resolve, reject) => {
      let out = ''
      const done = (why: string | null) => {
        clearTimeout(timer)
        forwarder.stdout!.off('data', onData)
        forwarder.off('error', onError)
        forwarder.off('exit', onExit)
        if (why === null) resolve()
        else reject(new LinkUnavailable(`lossy-link ${why}: ${this.stderr.trim().split('\n').slice(-2).join(' / ') || '(no output)'}`))
      }
      const onData = (d: string) => {
        out += d
        if (out.includes('ready ')) done(null)
      }
      const onError = (err: Error) => done(`did not start (${err.message})`)
      const onExit = (code: number | null) => done(`exited with ${code}`)
      const timer = setTimeout(() => done(`printed no "ready" within ${READY_TIMEOUT / 1000} s`), READY_TIMEOUT)
      forwarder.stdout!.setEncoding('utf8').on('data', onData)
      forwarder.on('error', onError)
      forwarder.on('exit', onExit)
    })
  }

  // Stops the forwarder and deletes both namespaces; resolves with the
  // forwarder's packet counts. Stop every process run in them first.
  close (): Promise<string> {
    this.closing ??= this.stop()
    return this.closing
  }

  private async stop (): Promise<string> {
    const forwarder = this.forwarder
    if (forwarder !== null && forwarder.exitCode === null && forwarder.signalCode === null) {
      const exited = new Promise(resolve => forwarder.once('close', resolve))
      forwarder.kill('SIGTERM')
      const timer = setTimeout(() => forwarder.kill('SIGKILL'), STOP_TIMEOUT)
      await exited
      clearTimeout(timer)
    }
    this.teardownNow()
    process.off('exit', this.onExit)
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
    return /forwarded \d+, dropped \d+/.exec(this.stderr)?.[0] ?? ''
  }

  private teardownNow (): void {
    const forwarder = this.forwarder
    if (forwarder !== null && forwarder.exitCode === null && forwarder.signalCode === null) forwarder.kill('SIGKILL')
    for (const ns of [this.a, this.b]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
  }
}
