// A shaped link between two network namespaces of our own, for the
// benchmark's shaped section: Linux `tc netem` on a veth pair where the kernel
// has netem, otherwise link-shaper.py (shipped beside this file: a user-space
// forwarder between two TUN devices, for Python 3) adds the delay, jitter,
// loss and rate limit. Both sides are fresh namespaces, so nothing touches
// the machine's own interfaces, and everything is taken down again, also
// when the run fails.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

export const LINK_SHAPER = fileURLToPath(new URL('../../../scripts/bench/link-shaper.py', import.meta.url))
export const ADDR_A = '10.231.0.1'
export const ADDR_B = '10.231.0.2'
// the devices of either kind (veth or TUN), one in each namespace
const DEV_A = 'hfshape-a'
const DEV_B = 'hfshape-b'
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

function ip (...args: string[]): { ok: boolean, error: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  return { ok: r.status === 0, error: (r.stderr || r.error?.message || '').trim() }
}

let netem: boolean | null = null
// Whether this kernel has netem: tried once, on the loopback of a throwaway namespace.
export function netemWorks (): boolean {
  if (netem !== null) return netem
  const ns = `hfprobe-${process.pid}-${crypto.randomBytes(3).toString('hex')}`
  netem = ip('netns', 'add', ns).ok
  if (netem) {
    netem = ip('-n', ns, 'link', 'set', 'lo', 'up').ok &&
      spawnSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).status === 0
    ip('netns', 'del', ns)
  }
  return netem
}

// Why this machine cannot make a shaped link, or null when it can.
export function linkUnavailable (): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (network namespaces and links between them need root)'
  if (spawnSync('ip', ['-V']).error !== undefined) return 'no `ip` command (iproute2)'
  if (netemWorks()) return null
  if (!fs.existsSync('/dev/net/tun')) return 'this kernel has no netem (tc qdisc ... netem) and there is no /dev/net/tun for the user-space shaper'
  if (spawnSync('python3', ['--version']).error !== undefined) return 'this kernel has no netem, and the user-space shaper needs python3'
  return null
}

// The link could not be made here: a reason to skip, not a failure.
export class LinkUnavailable extends Error {}

export class ShapedLink {
  readonly profile: LinkProfile
  // namespace names: side A (ADDR_A) and side B (ADDR_B)
  readonly a: string
  readonly b: string
  // what shapes the link: 'netem' (the kernel's) or 'link-shaper' (user space)
  readonly method: 'netem' | 'link-shaper'
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
    this.method = netemWorks() ? 'netem' : 'link-shaper'
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
      const add = ip('netns', 'add', ns)
      if (!add.ok) throw new LinkUnavailable(`ip netns add failed: ${add.error}`)
      const lo = ip('-n', ns, 'link', 'set', 'lo', 'up')
      if (!lo.ok) throw new LinkUnavailable(`could not bring lo up in ${ns}: ${lo.error}`)
    }
    if (this.method === 'netem') this.startNetem()
    else await this.startShaper()
  }

  // A veth pair, each end shaping what it sends: the same profile each way.
  private startNetem (): void {
    const { delayMs, jitterMs, loss, rateMbit } = this.profile
    const must = (...args: string[]) => {
      const r = ip(...args)
      if (!r.ok) throw new Error(`shaped link: ip ${args.join(' ')}: ${r.error}`)
    }
    must('-n', this.a, 'link', 'add', DEV_A, 'type', 'veth', 'peer', 'name', DEV_B, 'netns', this.b)
    for (const [ns, dev, addr] of [[this.a, DEV_A, ADDR_A], [this.b, DEV_B, ADDR_B]] as const) {
      must('-n', ns, 'addr', 'add', `${addr}/30`, 'dev', dev)
      must('-n', ns, 'link', 'set', dev, 'up')
      must('netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'netem',
        'delay', `${delayMs}ms`, ...(jitterMs > 0 ? [`${jitterMs}ms`] : []),
        'loss', `${loss * 100}%`, ...(rateMbit > 0 ? ['rate', `${rateMbit}mbit`] : []))
    }
  }

  private async startShaper (): Promise<void> {
    const { delayMs, jitterMs, loss, rateMbit } = this.profile
    const forwarder = spawn('ip', ['netns', 'exec', this.a, 'python3', LINK_SHAPER, '--netns', this.b,
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
        else reject(new Error(`link-shaper ${why}: ${this.stderr.trim().split('\n').slice(-2).join(' / ') || '(no output)'}`))
      }
      const onData = (d: string) => {
        out += d
        if (out.split('\n').includes('ready')) done(null)
      }
      const onError = (err: Error) => done(`did not start (${err.message})`)
      const onExit = (code: number | null) => done(`exited with ${code}`)
      const timer = setTimeout(() => done(`printed no "ready" within ${READY_TIMEOUT / 1000} s`), READY_TIMEOUT)
      forwarder.stdout!.setEncoding('utf8').on('data', onData)
      forwarder.on('error', onError)
      forwarder.on('exit', onExit)
    })
  }

  // Stops the forwarder and deletes both namespaces; resolves with what the
  // link dropped and forwarded. Stop every process run in them first.
  close (): Promise<string> {
    this.closing ??= this.stop()
    return this.closing
  }

  private async stop (): Promise<string> {
    const counts = this.method === 'netem' ? this.netemCounts() : ''
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
    return counts || (/forwarded \d+, dropped \d+[^\n]*/.exec(this.stderr)?.[0] ?? '')
  }

  // netem's own counts, both ends: "Sent B bytes P pkt (dropped D, ...".
  private netemCounts (): string {
    let sent = 0
    let dropped = 0
    for (const [ns, dev] of [[this.a, DEV_A], [this.b, DEV_B]]) {
      const out = spawnSync('ip', ['netns', 'exec', ns!, 'tc', '-s', 'qdisc', 'show', 'dev', dev!], { encoding: 'utf8' }).stdout ?? ''
      const m = /Sent \d+ bytes (\d+) pkt \(dropped (\d+)/.exec(out)
      if (m === null) return ''
      sent += Number(m[1])
      dropped += Number(m[2])
    }
    return `netem: sent ${sent}, dropped ${dropped}`
  }

  private teardownNow (): void {
    const forwarder = this.forwarder
    if (forwarder !== null && forwarder.exitCode === null && forwarder.signalCode === null) forwarder.kill('SIGKILL')
    for (const ns of [this.a, this.b]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
  }
}
