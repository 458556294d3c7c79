// Entry text only ever goes in through textContent.

export function el (tag, cls, text) {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}

function pad (n) { return String(n).padStart(2, '0') }

// past this, text is shown folded to a few lines with "show all"
const LONG_CHARS = 600
const LONG_LINES = 8

// Text that may be long: folded with a "show all" button when it is.
export function foldable (tag, cls, text) {
  const box = el(tag, cls, text.length > 100_000 ? text.slice(0, 100_000) : text)
  if (text.length <= LONG_CHARS && text.split('\n', LONG_LINES + 1).length <= LONG_LINES) return box
  box.classList.add('folded')
  const wrap = el('div', 'foldable')
  const more = el('button', 'more', `show all (${text.length.toLocaleString()} characters)`)
  more.type = 'button'
  more.addEventListener('click', () => {
    if (box.textContent.length < text.length) box.textContent = text
    const folded = box.classList.toggle('folded')
    more.textContent = folded ? `show all (${text.length.toLocaleString()} characters)` : 'show less'
  })
  wrap.append(box, more)
  return wrap
}

export function clock (ms) {
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return ''
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

function isChat (v) {
  return v && v.type === 'chat' && typeof v.nick === 'string' && typeof v.text === 'string' && Number.isInteger(v.time)
}

// A room member, by the name the CLI shows it by (the gateway computes it:
// nick~tag when another nick looks like it); a post's own nick, when it is
// not the member's, follows that name and cannot replace it.
export function who (author, nick, members) {
  const m = members.get(author)
  const span = el('span', 'who', m ? m.name : '~' + author.slice(0, 6))
  if (m && typeof nick === 'string' && nick !== m.nick) span.append(el('span', 'as', ` (as ${JSON.stringify(nick)})`))
  span.title = author
  span.dataset.author = author
  if (typeof nick === 'string') span.dataset.nick = nick
  return span
}

// Names change as members join (and a post may arrive before the list).
export function relabel (members) {
  for (const span of document.querySelectorAll('.who[data-author]')) span.replaceWith(who(span.dataset.author, span.dataset.nick, members))
}

export function render (msg, { room, members }) {
  const li = el('li', 'entry')
  li.dataset.seq = msg.seq
  if (msg.author) li.dataset.author = msg.author
  if (msg.author) li.dataset.id = msg.author + ':' + msg.authorSeq
  li.append(el('span', 'seq', '#' + msg.seq))
  if (msg.error !== undefined && msg.value === undefined) {
    li.classList.add('other', 'unreadable')
    li.append(el('div', 'card', 'unreadable entry: ' + msg.error))
    return li
  }
  const v = msg.value
  if (v.type === 'block' && msg.valid !== undefined) {
    li.classList.add('block')
    if (!msg.valid) li.classList.add('invalid')
    const card = el('div', 'card')
    const head = el('div', 'head')
    head.append(el('span', 'height', 'block #' + v.height))
    head.append(el('code', 'hash', String(v.hash).slice(0, 12)))
    head.append(el('span', 'badge', !msg.valid ? 'invalid' : msg.chain === 'stale' ? 'stale' : msg.chain === 'main' ? 'main chain' : 'valid'))
    if (msg.chain === 'stale') li.classList.add('stale')
    if (msg.author) head.append(who(msg.author, undefined, members))
    head.append(el('span', 'meta', `difficulty ${v.difficulty} · nonce ${v.nonce}${Number.isInteger(v.time) ? ' · ' + clock(v.time) : ''}`))
    card.append(head)
    card.append(foldable('pre', 'mono', JSON.stringify(v.data) ?? 'null'))
    if (!msg.valid) card.append(el('div', 'reason', msg.error))
    li.append(card)
    return li
  }
  if (room && typeof v.type === 'string' && v.type.startsWith('room/')) {
    li.classList.add('system')
    const line = el('div', 'line')
    line.append(who(msg.author, undefined, members))
    const target = v.type === 'room/remove' && typeof v.member === 'string' ? ' removed ' + (members.get(v.member)?.name || '~' + v.member.slice(0, 6)) : ''
    line.append(document.createTextNode(v.type === 'room/create' ? ' created the room' : v.type === 'room/join' ? ' joined' : target || ' ' + v.type))
    li.append(line)
    return li
  }
  if (isChat(v)) {
    li.classList.add('chat')
    const bubble = el('div', 'bubble')
    bubble.append(msg.author ? who(msg.author, v.nick, members) : el('span', 'who', v.nick))
    if (v.replyTo !== undefined) bubble.append(el('span', 'reply', '↪ ' + (typeof v.replyTo === 'number' ? '#' + v.replyTo : 'a message')))
    bubble.append(foldable('span', 'text', v.text))
    const edited = el('span', 'edited', '(edited)')
    edited.hidden = true
    bubble.append(edited)
    bubble.append(el('span', 'time', clock(v.time)))
    bubble.append(el('span', 'reactions'))
    li.append(bubble)
    return li
  }
  li.classList.add('other')
  const card = el('div', 'card')
  card.append(el('div', 'type', v.type))
  card.append(foldable('pre', 'mono', JSON.stringify(v)))
  li.append(card)
  return li
}
