import safetyCatch from 'safety-catch'
import { encodeEntry } from '../entries.js'
import { notMember } from '../errors.js'
import { toHex } from '../keys.js'
import type { AppendQueue } from './append-queue.js'
import { ROOM_KEYS } from './epochs.js'
import type { Room } from './room.js'

// Hands the current epoch's key to members that lack it (newcomers, or members
// that joined while a removal was on its way): any member that holds it does,
// once per member and epoch, on each update of the room.
export class KeyDealer {
  private readonly room: Room
  private readonly queue: AppendQueue
  private dealing: Promise<void> | null = null
  // an update came while dealing: look again after
  private again = false

  constructor (room: Room, queue: AppendQueue) {
    this.room = room
    this.queue = queue
  }

  deal (): void {
    if (this.room.closing !== null) return
    if (this.dealing !== null) {
      this.again = true
      return
    }
    this.dealing = this.run().catch(safetyCatch).finally(() => {
      this.dealing = null
      if (!this.again) return
      this.again = false
      this.deal()
    })
  }

  private async run (): Promise<void> {
    const room = this.room
    if (!(await room.isMember())) return
    const missing = await room.keys.missing(room.base.view.state, await room.members())
    if (missing === null || room.closing !== null) return
    await this.queue.append([encodeEntry({ type: ROOM_KEYS, ...missing })], { check: async () => { if (!(await room.isMember())) throw notMember(toHex(room.key)) } })
    await room.base.update()
  }
}
