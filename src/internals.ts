// Every use of a Hypercore, Corestore or Autobase field or option that their
// READMEs do not document, in one place. test/internals.test.ts checks each of
// them against the installed versions, so an upgrade that removes one fails
// there, not somewhere in the field.
import type { Duplex } from 'node:stream'
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import Hypercore from 'hypercore'

// A replication peer's view of a core: its public key and how much it has.
interface PeerInternals {
  remotePublicKey: Buffer
  remoteLength: number
  remoteContiguousLength: number
  remoteUploading: boolean
  // requests sent to this peer and not answered yet
  inflight: number
}

// What each replication peer of `core` holds and how it is asked: `peer` is the
// object Hypercore passes as the third argument of its 'download' event.
export interface PeerState {
  peer: object
  key: Buffer
  length: number
  contiguousLength: number
  uploading: boolean
  inflight: number
}

const peersOf = (core: Hypercore) => core.peers as unknown as PeerInternals[]

export function peerStates (core: Hypercore): PeerState[] {
  return peersOf(core).map(p => ({
    peer: p,
    key: p.remotePublicKey,
    length: p.remoteLength,
    contiguousLength: p.remoteContiguousLength,
    uploading: p.remoteUploading,
    inflight: p.inflight
  }))
}

// The longest length any connected peer has of `core` (its contiguous part).
export function peersContiguousLength (core: Hypercore): number {
  return Math.max(0, ...peersOf(core).map(p => p.remoteContiguousLength))
}

// What the peer with Noise key `remoteKey` holds of `core` (null: not a peer of it).
export function peerHas (core: Hypercore, remoteKey: Buffer): { length: number, contiguousLength: number } | null {
  const peer = peersOf(core).find(p => p.remotePublicKey.equals(remoteKey))
  return peer === undefined ? null : { length: peer.remoteLength, contiguousLength: peer.remoteContiguousLength }
}

// A core's block encryption key, once set.
export function encryptionKeyOf (core: Hypercore): Buffer | null {
  return (core.encryption as { key?: Buffer } | null)?.key ?? null
}

// The replication stream's remote Noise key (what Hypercore knows a peer by),
// once its handshake is done: protocol streams carry their Noise stream as
// `noiseStream` (Corestore relies on it too).
export function remoteKeyOf (stream: Duplex | null): Buffer | null {
  const noise = (stream as (Duplex & { noiseStream?: { remotePublicKey?: Buffer | null } }) | null)?.noiseStream
  return noise?.remotePublicKey ?? null
}

// Options for a core read from peers: more requests in flight per peer
// ([min, max]; Hypercore's default is [16, 512]) keeps a fast peer busy during
// a cold sync, and the latest block is served as soon as it is verified.
export function followerCoreOptions (inflightRange: [number, number]): { inflightRange: [number, number], allowLatestBlock: boolean } {
  return { inflightRange, allowLatestBlock: true }
}

// Corestore's RocksDB storage with a memtable of `writeBufferSize` bytes.
export function coreStorage (dir: string, { readOnly, writeBufferSize }: { readOnly: boolean, writeBufferSize: number }): Hypercore.CoreStorage {
  return Hypercore.defaultStorage(dir, { readOnly, writeBufferSize })
}

// Whether `corestore` already holds a core created under `name`. Corestore 7
// has no public call for this: get({ name, createIfMissing: false }) rejects
// outside the caller's reach (STORAGE_EMPTY, unhandled) and leaves the storage
// locked, so this reads the name's alias from the storage directly.
export async function hasNamedCore (corestore: Corestore, name: string): Promise<boolean> {
  const internal = corestore as unknown as { ns: Buffer, storage: { getAlias (alias: { name: string, namespace: Buffer }): Promise<Buffer | null> } }
  return await internal.storage.getAlias({ name, namespace: internal.ns }) !== null
}

// Whether any core in `corestore`'s storage holds a block, read from the
// storage's core records (Corestore has no public listing of its cores).
export async function holdsBlocks (corestore: Corestore): Promise<boolean> {
  const storage = (corestore as unknown as { storage: StorageInternals }).storage
  const keys: Buffer[] = []
  for await (const discoveryKey of storage.createDiscoveryKeyStream()) keys.push(discoveryKey)
  return (await storage.getInfos(keys)).some(info => (info?.head?.length ?? 0) > 0)
}

interface StorageInternals {
  createDiscoveryKeyStream (): AsyncIterable<Buffer>
  getInfos (discoveryKeys: Buffer[]): Promise<({ head: { length: number } | null } | null)[]>
}

// The session Autobase reads its bootstrap writer (the room's creator) through,
// with the base's block encryption set: its blocks decode with the base's key only.
export function bootstrapCore (base: Autobase<unknown>): Hypercore {
  return (base as unknown as { _primaryBootstrap: Hypercore })._primaryBootstrap
}

interface BaseInternals {
  views (): { name: string, key: Buffer | null, length: number }[]
  hintWakeup (hints: { key: Buffer, length: number }[]): void
}

// The keys of an Autobase's view cores.
export function viewKeys (base: Autobase<unknown>): Buffer[] {
  return (base as unknown as BaseInternals).views().flatMap(v => v.key !== null ? [v.key] : [])
}

// Tells an Autobase that writer cores have (at least) these lengths at a peer,
// so it looks at them (a writer it has not heard of yet, say).
export function hintWakeup (base: Autobase<unknown>, hints: { key: Buffer, length: number }[]): void {
  (base as unknown as BaseInternals).hintWakeup(hints)
}
