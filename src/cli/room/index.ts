import { command, summary, description } from 'paparam'
import type { CommandDef } from '../command.js'
import create from './create.js'
import join from './join.js'
import chat from './chat.js'
import invite from './invite.js'
import info from './info.js'
import remove from './remove.js'
import { demote, promote } from './promote.js'
import list from './list.js'
import mine from './mine.js'
import chain from './chain.js'
import invites from './invites.js'
import uninvite from './uninvite.js'

export const ROOM_COMMANDS: CommandDef[] = [create, join, chat, invite, invites, uninvite, info, remove, promote, demote, list, mine, chain]

export const room = command('room',
  summary('rooms: many writers, one shared history and chain (create, join, chat, invite, invites, uninvite, info, remove, promote, demote, list, mine, chain)'),
  description(`A room is a group where every member posts and all of them end up with the same
history. Members join with an invite; every line typed in any member's chat shows
up in all of them, in the same order.`),
  ...ROOM_COMMANDS.map(c => c.command)
)
