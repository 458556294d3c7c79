import test from 'brittle'
import { Room, Store, chat, parseRoomRef, type Entry } from '../src/index.js'
import { exportLines, roomExport } from '../src/export/export.js'
import { deleteEntry, editEntry, reactionEntry, replyEntry } from '../src/messages/entry-types.js'
import { replicate } from './helpers/index.js'

const OPS = 300
const REACTIONS = ['👍', '❤', 'ok']

async function member (t: test.Assert, opts: { create?: string, key?: Buffer, encryptionKey?: Buffer }) {
  const store = await Store.open(await t.tmp())
  t.teardown(() => store.close(), { order: 1 })
  const room = opts.create !== undefined ? await Room.create(store, { nick: opts.create }) : new Room(store, { key: opts.key!, encryptionKey: opts.encryptionKey })
  t.teardown(() => room.close())
  await room.ready()
  return room
}

async function resolved (room: Room): Promise<string> {
  const out: string[] = []
  for await (const lines of exportLines(await roomExport(room), { resolved: true })) out.push(...lines)
  return out.join('\n')
}

// a small deterministic generator: the same run every time
function random (seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
}

test('3 members converge after 300 random posts, edits, deletes, reactions and replies: identical --resolved output', { timeout: 180_000 }, async (t) => {
  const alice = await member(t, { create: 'alice' })
  const others: Room[] = []
  for (const nick of ['bob', 'carol']) {
    const ref = parseRoomRef(await alice.createInvite())
    const m = await member(t, { key: ref.roomKey, encryptionKey: ref.invite!.encryptionKey })
    replicate(t, alice, m)
    for (const o of others) replicate(t, o, m)
    await m.join(ref.invite!, { nick, timeout: 30_000 })
    others.push(m)
  }
  const members = [alice, ...others]
  const nicks = ['alice', 'bob', 'carol']
  const rand = random(20)
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!
  let done = 0
  while (done < OPS) {
    // each member acts on what it has seen so far, concurrently with the others
    await Promise.all(members.map(async (room, i) => {
      const seen = (await room.read(0, room.length)).filter(e => 'value' in e && e.value.type === 'chat')
      const batch: Entry[] = []
      for (let k = 0; k < 5; k++) {
        const target = seen.length === 0 ? null : pick(seen)
        const ref = target === null ? null : { author: target.author, authorSeq: target.authorSeq }
        const r = rand()
        if (ref === null || r < 0.35) batch.push(chat(nicks[i]!, `message ${done + k} from ${nicks[i]}`))
        else if (r < 0.55) batch.push(editEntry(ref, `edited by ${nicks[i]} at ${done + k}`))
        else if (r < 0.65) batch.push(deleteEntry(ref))
        else if (r < 0.85) batch.push(reactionEntry(ref, pick(REACTIONS), { remove: rand() < 0.2 }))
        else batch.push(replyEntry(nicks[i]!, `reply ${done + k}`, ref))
      }
      await room.append(batch)
    }))
    done += 15
  }
  const deadline = Date.now() + 60_000
  let outputs: string[] = []
  for (;;) {
    const lengths = members.map(m => m.length)
    outputs = await Promise.all(members.map(resolved))
    if (lengths.every(l => l === lengths[0]) && outputs.every(o => o === outputs[0]) && lengths[0]! >= OPS) break
    if (Date.now() > deadline) break
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  const lines = outputs[0]!.split('\n').map(l => JSON.parse(l))
  t.comment(`${lines.length} messages: ${lines.filter(m => m.edited).length} edited, ${lines.filter(m => m.deleted).length} deleted, ${lines.filter(m => m.reactions.length > 0).length} with reactions, ${lines.filter(m => m.replyTo !== null).length} replies`)
  t.ok(lines.some(m => m.edited) && lines.some(m => m.deleted) && lines.some(m => m.reactions.length > 0), 'edits, deletes and reactions took effect')
  t.is(outputs[1], outputs[0], 'bob: the same --resolved output as alice')
  t.is(outputs[2], outputs[0], 'carol: the same --resolved output as alice')
})
