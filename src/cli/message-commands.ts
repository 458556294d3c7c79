import { type Entry, type EntryResult, isChat, isUnreadable } from '../entries.js'
import { invalidEntry } from '../errors.js'
import type { LineCommand } from '../input.js'
import { deleteEntry, editEntry, reactionEntry, reactionProblem, replyEntry } from '../messages/entry-types.js'
import type { EntryRef } from '../messages/refs.js'

// The message numbered N in the human view: where it is, and who wrote it
// (null in a feed: its writer); null when N is not a message.
export type FindMessage = (n: number) => Promise<{ ref: EntryRef, author: string | null } | null>

export interface MessageCommandOptions {
  nick: string
  find: FindMessage
  // may this storage edit (or delete) a message by `author`?
  mayEdit: (author: string | null) => boolean
  mayDelete: (author: string | null) => boolean
}

// /edit N text, /delete N, /react N 👍, /reply N text (N: the number the
// human view shows beside a message). Refused before posting when N is not a
// message, or not this writer's to change.
export function messageCommands ({ nick, find, mayEdit, mayDelete }: MessageCommandOptions): Record<string, LineCommand> {
  const target = async (name: string, args: string, needsText: boolean) => {
    const m = /^(\d+)(?:\s+([\s\S]*))?$/.exec(args)
    const rest = m?.[2]?.trim() ?? ''
    if (m === null || (needsText && rest.length === 0)) throw invalidEntry(`/${name} takes ${USAGE[name]}`)
    const n = Number(m[1])
    const found = Number.isSafeInteger(n) ? await find(n) : null
    if (found === null) throw invalidEntry(`/${name} ${m[1]}: there is no message ${m[1]} (N is the number shown beside a message)`)
    return { ...found, rest }
  }
  return {
    edit: async (args) => {
      const t = await target('edit', args, true)
      if (!mayEdit(t.author)) throw invalidEntry(`/edit ${args.split(/\s/)[0]}: only a message's author can edit it`)
      return [editEntry(t.ref, t.rest) as Entry]
    },
    delete: async (args) => {
      const t = await target('delete', args, false)
      if (t.rest.length > 0) throw invalidEntry(`/delete takes ${USAGE.delete}`)
      if (!mayDelete(t.author)) throw invalidEntry(`/delete ${args}: only a message's author (or the room's creator) can delete it`)
      return [deleteEntry(t.ref) as Entry]
    },
    react: async (args) => {
      const t = await target('react', args, true)
      const problem = reactionProblem(t.rest)
      if (problem !== null) throw invalidEntry(problem)
      return [reactionEntry(t.ref, t.rest) as Entry]
    },
    reply: async (args) => {
      const t = await target('reply', args, true)
      return [replyEntry(nick, t.rest, t.ref) as Entry]
    }
  }
}

const USAGE: Record<string, string> = {
  edit: 'a message number and the new text: /edit N text',
  delete: 'a message number: /delete N',
  react: 'a message number and a reaction: /react N 👍',
  reply: 'a message number and the text: /reply N text'
}

// A feed's message N (its entry number).
export function feedMessage (get: (seq: number) => Promise<EntryResult | null>): FindMessage {
  return async (n) => {
    const r = await get(n).catch(() => null)
    return r !== null && !isUnreadable(r) && isChat(r.value) ? { ref: n, author: null } : null
  }
}
