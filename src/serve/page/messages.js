// Edits, deletes and reactions applied to the messages shown, in the order
// they arrive (the CLI's --resolved is the reference; this page only knows
// what it has loaded): only a message's author may edit or delete it, a
// reaction counts once per author and reaction.
import { el } from './render.js'

const REF_TYPES = new Set(['edit', 'delete', 'reaction'])

export function isRefEntry (msg) {
  return msg.value !== undefined && REF_TYPES.has(msg.value.type)
}

export function messageId (msg) {
  return msg.author ? msg.author + ':' + msg.authorSeq : String(msg.seq)
}

function refId (ref) {
  return typeof ref === 'number' ? String(ref) : ref && typeof ref === 'object' ? ref.author + ':' + ref.authorSeq : null
}

export class Messages {
  constructor () {
    this.shown = new Map() // id -> { li, author, reactions: Map(reaction -> Set(author)) }
  }

  add (msg, li) {
    if (msg.value?.type !== 'chat') return
    this.shown.set(messageId(msg), { li, author: msg.author || '', deleted: false, reactions: new Map() })
  }

  // An edit, delete or reaction: changes the message it names, if shown.
  apply (msg) {
    const v = msg.value
    const m = this.shown.get(refId(v.ref))
    if (!m || m.deleted) return
    const author = msg.author || ''
    const text = m.li.querySelector('.text')
    if (v.type === 'edit' && author === m.author && typeof v.text === 'string' && text) {
      text.textContent = v.text
      m.li.querySelector('.edited').hidden = false
    } else if (v.type === 'delete' && author === m.author && text) {
      m.deleted = true
      text.textContent = '(deleted)'
      m.li.classList.add('deleted')
      m.reactions.clear()
      m.li.querySelector('.reactions').textContent = ''
    } else if (v.type === 'reaction' && typeof v.reaction === 'string') {
      let who = m.reactions.get(v.reaction)
      if (!who) m.reactions.set(v.reaction, who = new Set())
      if (v.remove === true) who.delete(author)
      else who.add(author)
      if (who.size === 0) m.reactions.delete(v.reaction)
      const box = m.li.querySelector('.reactions')
      box.textContent = ''
      for (const [reaction, authors] of m.reactions) box.append(el('span', 'reaction', `${reaction} ${authors.size}`))
    }
  }
}
