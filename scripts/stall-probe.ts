// Preloaded into a viewer by scripts/stall.ts (node --import): logs swarm
// connections and bans as they happen, and on SIGUSR2 dumps what the viewer's
// feed and swarm are doing (peers, what they have, requests in flight, ranges),
// one JSON line each on stderr, prefixed with "probe".
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const Hypercore = require('hypercore')
const Hyperswarm = require('hyperswarm')
const PeerInfo = require('hyperswarm/lib/peer-info.js')

const t0 = Date.now()
const cores = new Set<any>()
const swarms = new Set<any>()
const short = (key: Buffer | null | undefined) => key ? key.toString('hex').slice(0, 8) : null
const log = (o: object) => process.stderr.write('probe ' + JSON.stringify({ t: Date.now() - t0, ...o }) + '\n')

const download = Hypercore.prototype.download
Hypercore.prototype.download = function (this: any, ...args: any[]) {
  if (!cores.has(this.core)) {
    cores.add(this.core)
    const core = this.core
    const timer = setInterval(() => log({ ev: 'progress', contiguous: core.header.hints.contiguousLength, length: core.state.length, peers: core.replicator.peers.length }), 1000)
    timer.unref()
  }
  return download.apply(this, args)
}

const join = Hyperswarm.prototype.join
Hyperswarm.prototype.join = function (this: any, ...args: any[]) {
  if (!swarms.has(this)) {
    swarms.add(this)
    this.on('connection', (conn: any, info: any) => {
      const remote = short(conn.remotePublicKey)
      log({ ev: 'conn', remote, initiator: conn.isInitiator, client: info.client, size: this.connections.size })
      conn.once('close', () => log({ ev: 'close', remote, size: this.connections.size }))
    })
  }
  return join.apply(this, args)
}

// what the banned peer had of our feed, and where we were
const ban = PeerInfo.prototype.ban
PeerInfo.prototype.ban = function (this: any, val: boolean) {
  const core = [...cores][0]
  const peer = core?.replicator.peers.find((p: any) => p.remotePublicKey.equals(this.publicKey))
  log({ ev: 'ban', remote: short(this.publicKey), val, have: peer?.remoteContiguousLength ?? null, remoteLength: peer?.remoteLength ?? null, contiguous: core?.header.hints.contiguousLength, length: core?.state.length })
  return ban.call(this, val)
}

function dumpCore (core: any) {
  const r = core.replicator
  const now = Date.now()
  const inflight = [...r._inflight].map((req: any) => ({
    id: req.id,
    age: now - req.timestamp,
    peer: short(req.peer?.remotePublicKey),
    block: req.block?.index ?? null,
    upgrade: req.upgrade,
    priority: req.priority
  }))
  return {
    length: core.state.length,
    contiguous: core.header.hints.contiguousLength,
    downloading: r.downloading,
    activeSessions: r.activeSessions,
    findingPeers: r.findingPeers,
    blocks: [...r._blocks].slice(0, 20).map((b: any) => ({ index: b.index, inflight: b.inflight.length, refs: b.refs.length, queued: b.queued })),
    blockCount: r._blocks._map.size,
    ranges: r._ranges.map((x: any) => ({ start: x.start, end: x.end, refs: x.refs.length, batches: x.batches.map((b: any) => b.batch) })),
    upgrade: r._upgrade === null ? null : { length: r._upgrade.length, inflight: r._upgrade.inflight.length },
    inflightCount: inflight.length,
    inflight: inflight.sort((a, b) => b.age - a.age).slice(0, 10),
    peers: r.peers.map((p: any) => ({
      remote: short(p.remotePublicKey),
      remoteLength: p.remoteLength,
      remoteContiguous: p.remoteContiguousLength,
      inflight: p.inflight,
      oldest: Math.max(0, ...inflight.filter(q => q.peer === short(p.remotePublicKey)).map(q => q.age)),
      maxInflight: p.getMaxInflight(),
      paused: p.paused,
      removed: p.removed,
      remoteOpened: p.remoteOpened,
      remoteUploading: p.remoteUploading,
      remoteDownloading: p.remoteDownloading,
      remoteSynced: p.remoteSynced,
      canUpgrade: p.canUpgrade,
      remoteCanUpgrade: p.remoteCanUpgrade,
      lengthAcked: p.lengthAcked,
      needsSync: p.needsSync,
      syncsProcessing: p.syncsProcessing,
      dataProcessing: p.dataProcessing,
      receiverBusy: p.receiverBusy,
      wants: [...p.wants.wants.keys()],
      stats: { req: p.stats.wireRequest, data: p.stats.wireData, sync: p.stats.wireSync, range: p.stats.wireRange, want: p.stats.wireWant, cancel: p.stats.wireCancel, backoffs: p.stats.backoffs, notAvailable: p.stats.notAvailableBackoffs }
    }))
  }
}

function dumpSwarm (swarm: any) {
  return {
    connections: [...swarm.connections].map((c: any) => short(c.remotePublicKey)),
    connecting: swarm.connecting,
    maxPeers: swarm.maxPeers,
    queue: swarm._queue?.length,
    peers: [...swarm.peers.values()].map((p: any) => ({ remote: short(p.publicKey), banned: p.banned, attempts: p.attempts, queued: p.queued, client: p.client, tried: p.tried, proven: p.proven, priority: p.priority })),
    topics: [...swarm._discovery.values()].map((d: any) => ({ refreshing: d.isRefreshing ?? null, destroyed: d.destroyed }))
  }
}

process.on('SIGUSR2', () => {
  for (const core of cores) log({ ev: 'core', ...dumpCore(core) })
  for (const swarm of swarms) log({ ev: 'swarm', ...dumpSwarm(swarm) })
})
