// Revocation in rooms: what a removal costs (a new epoch sealed to every member
// that stays) and what sealing costs a post. Library rooms in one process, on
// the local testnet.
import { Network, Room, Store, chat, parseRoomRef } from '../../src/index.js'
import { currentEpoch } from '../../src/room/epochs.js'
import { newEpochKey, toEpochKey } from '../../src/room/epoch-keys.js'
import { encodeSealed, openEntry, parseSealed, sealEntry } from '../../src/room/sealed-entries.js'
import { encodeEntry } from '../../src/entries.js'
import { until } from '../../src/wait.js'
import { QUICK, figure, now, percentile, tmp } from './common.js'

const SIZES = QUICK ? { members: 3, posts: 30 } : { members: 6, posts: 200 }

type Opts = { bootstrap: { host: string, port: number }[], host: string, firewalled: boolean }

async function member (opts: Opts, invite: string | null, nick: string) {
  const store = await Store.open(tmp('revoke'))
  const ref = invite === null ? null : parseRoomRef(invite)
  const room = ref === null ? await Room.create(store, { nick }) : new Room(store, { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
  await room.ready()
  const network = new Network(store, opts)
  await network.join(room)
  if (ref !== null) await room.join(ref.invite!, { nick, timeout: 60_000 })
  return { store, room, network, close: async () => { await network.close(); await room.close(); await store.close() } }
}

// A post on `from` until it is readable (opened) on every one of `to`.
async function postLatency (from: Room, to: Room[], tag: string): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < SIZES.posts; i++) {
    const text = `${tag} ${i}`
    const started = now()
    await from.append([chat('bench', text)])
    await Promise.all(to.map(r => until(async () => {
      const [last] = await r.read(r.length - 1, r.length)
      return last !== undefined && 'value' in last && last.value.text === text
    }, [{ emitter: r, event: 'update' }], { timeout: 30_000 })))
    out.push(now() - started)
  }
  return out.sort((a, b) => a - b)
}

// What sealing adds to one post: seal on the author, open on a reader (CPU only).
function sealCost (): number {
  const key = toEpochKey(newEpochKey())
  const ctx = { roomKey: Buffer.alloc(32, 1), author: Buffer.alloc(32, 2) }
  const plain = encodeEntry(chat('alice', 'a chat line of about this length, as people type them'))
  const n = QUICK ? 2000 : 20_000
  const started = now()
  for (let i = 0; i < n; i++) {
    const sealed = JSON.parse(encodeSealed(sealEntry(plain, key, ctx)).toString())
    const parsed = parseSealed(sealed)
    if ('error' in parsed || openEntry(parsed, key.key, ctx) === null) throw new Error('sealing: a sealed entry did not open')
  }
  return (now() - started) * 1000 / n
}

export async function revocation (bootstrap: string): Promise<void> {
  figure('rooms', 'sealing a chat post and opening it (CPU, per entry)', 'µs', sealCost(), null, null, false)
  console.error(`\n10. rooms: revocation, ${SIZES.members} members, ${SIZES.posts} posts before and after a removal`)
  const [host, port] = bootstrap.split(':')
  const opts = { bootstrap: [{ host: host!, port: Number(port) }], host: '127.0.0.1', firewalled: false }
  const first = await member(opts, null, 'm0')
  const members = [first]
  try {
    for (let i = 1; i < SIZES.members; i++) members.push(await member(opts, await first.room.createInvite(), `m${i}`))
    const rooms = members.map(m => m.room)
    const before = await postLatency(first.room, rooms.slice(1), 'before')

    const gone = rooms[1]!
    const stay = rooms.filter(r => r !== gone)
    const started = now()
    await first.room.remove(gone.writerKey.toString('hex'))
    const epoch = (await currentEpoch(first.room.base.view.state))!.id
    await Promise.all(stay.map(r => until(async () => (await currentEpoch(r.base.view.state))?.id === epoch && await r.holdsKey(), [{ emitter: r, event: 'update' }], { timeout: 60_000 })))
    const ms = now() - started
    const removal = (await first.room.read(0, first.room.length)).find(e => 'value' in e && e.value.type === 'room/remove')
    const bytes = removal !== undefined && 'value' in removal ? Buffer.byteLength(removal.raw ?? JSON.stringify(removal.value)) : 0
    const after = await postLatency(first.room, stay.slice(1), 'after')

    figure('rooms', `a removal: the remover's command to every one of ${stay.length - 1} other remaining members holding the new epoch key`, 'ms', ms, null, null, false)
    figure('rooms', `a removal's entry with the new epoch sealed to ${stay.length} members`, 'bytes', bytes, null, null, false)
    figure('rooms', `sealed post to readable on ${SIZES.members - 1} members (in one process), p50 before a removal`, 'ms', percentile(before, 0.5), null, null, false)
    figure('rooms', `sealed post to readable on ${stay.length - 1} members, p50 after the removal (vs before)`, 'ms', percentile(after, 0.5), percentile(before, 0.5), 'before the removal', false)
  } finally {
    for (const m of members.reverse()) await m.close()
  }
}
