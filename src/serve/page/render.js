// Entry text only ever goes in through textContent.

export function el (tag, cls, text) {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}

function pad (n) { return String(n).padStart(2, '0') }

export function clock (ms) {
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return ''
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

function isChat (v) {
  return v && v.type === 'chat' && typeof v.nick === 'string' && typeof v.text === 'string' && Number.isInteger(v.time)
}

// A room member: the nick it posts with and a short tag of its key, so two
// members with one nick are told apart and nobody passes for another.
export function who (author, nick, members) {
  const span = el('span', 'who', nick || members.get(author) || author.slice(0, 6))
  span.append(el('span', 'tag', author.slice(0, 6)))
  span.title = author
  return span
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
    card.append(el('pre', 'mono', JSON.stringify(v.data)))
    if (!msg.valid) card.append(el('div', 'reason', msg.error))
    li.append(card)
    return li
  }
  if (room && typeof v.type === 'string' && v.type.startsWith('room/')) {
    li.classList.add('system')
    const line = el('div', 'line')
    line.append(who(msg.author, undefined, members))
    const target = v.type === 'room/remove' && typeof v.member === 'string' ? ' removed ' + (members.get(v.member) || v.member.slice(0, 6)) : ''
    line.append(document.createTextNode(v.type === 'room/create' ? ' created the room' : v.type === 'room/join' ? ' joined' : target || ' ' + v.type))
    li.append(line)
    return li
  }
  if (isChat(v)) {
    li.classList.add('chat')
    const bubble = el('div', 'bubble')
    bubble.append(msg.author ? who(msg.author, v.nick, members) : el('span', 'who', v.nick))
    bubble.append(document.createTextNode(v.text))
    bubble.append(el('span', 'time', clock(v.time)))
    li.append(bubble)
    return li
  }
  li.classList.add('other')
  const card = el('div', 'card')
  card.append(el('div', 'type', v.type))
  card.append(el('pre', 'mono', JSON.stringify(v)))
  li.append(card)
  return li
}
