// The hyperfeed web page: live entries over /live, writes over the JSON API.
'use strict'

const INITIAL_WINDOW = 500
const EARLIER_PAGE = 200
const RECONNECT_MIN = 500
const RECONNECT_MAX = 5000

const $ = (id) => document.getElementById(id)
const list = $('entries')
const scroller = $('scroller')

const state = {
  room: false, // a room: entries have authors, and the order may change as entries arrive
  ids: new Set(), // rooms: author:authorSeq of every entry shown (each once, whatever its seq)
  members: new Map(), // rooms: member key -> nick
  tip: null, // rooms: the main chain's tip shown
  difficultySet: false,
  first: null, // lowest seq shown
  last: -1, // highest seq shown: /live resumes after it, and nothing at or below it is shown twice
  writable: false,
  info: null,
  delay: RECONNECT_MIN,
  socket: null
}

// A token printed by `hyperfeed serve` arrives in the URL fragment (never sent
// to any server) and is kept for this origin only.
const TOKEN_KEY = 'hyperfeed-token'
const fragment = new URLSearchParams(location.hash.slice(1))
if (fragment.has('token')) {
  sessionStorage.setItem(TOKEN_KEY, fragment.get('token'))
  history.replaceState(null, '', location.pathname + location.search)
}
const token = sessionStorage.getItem(TOKEN_KEY)

$('nick').value = localStorage.getItem('hyperfeed-nick') || ''
$('nick').addEventListener('change', () => localStorage.setItem('hyperfeed-nick', $('nick').value.trim()))

$('copy').addEventListener('click', async () => {
  if (!state.info) return
  try {
    await navigator.clipboard.writeText(state.info.key)
  } catch {
    const r = document.createRange()
    r.selectNodeContents($('key'))
    getSelection().removeAllRanges()
    getSelection().addRange(r)
    document.execCommand('copy')
  }
  $('copy').textContent = 'copied'
  setTimeout(() => { $('copy').textContent = 'copy' }, 1200)
})

function pad (n) { return String(n).padStart(2, '0') }
function clock (ms) {
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return ''
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}
function el (tag, cls, text) {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}
function isChat (v) {
  return v && v.type === 'chat' && typeof v.nick === 'string' && typeof v.text === 'string' && Number.isInteger(v.time)
}

// A room member as shown: the nick it posts with and a short tag of its key,
// so two members with one nick are told apart and nobody passes for another.
function who (author, nick) {
  const span = el('span', 'who', nick || state.members.get(author) || author.slice(0, 6))
  span.append(el('span', 'tag', author.slice(0, 6)))
  span.title = author
  return span
}

function render (msg) {
  const li = el('li', 'entry')
  li.dataset.seq = msg.seq
  if (msg.author) li.dataset.author = msg.author
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
    if (msg.author) head.append(who(msg.author))
    head.append(el('span', 'meta', `difficulty ${v.difficulty} · nonce ${v.nonce}${Number.isInteger(v.time) ? ' · ' + clock(v.time) : ''}`))
    card.append(head)
    card.append(el('pre', 'mono', JSON.stringify(v.data)))
    if (!msg.valid) card.append(el('div', 'reason', msg.error))
    li.append(card)
    return li
  }
  if (state.room && typeof v.type === 'string' && v.type.startsWith('room/')) {
    li.classList.add('system')
    const line = el('div', 'line')
    line.append(who(msg.author))
    const target = v.type === 'room/remove' && typeof v.member === 'string' ? ' removed ' + (state.members.get(v.member) || v.member.slice(0, 6)) : ''
    line.append(document.createTextNode(v.type === 'room/create' ? ' created the room' : v.type === 'room/join' ? ' joined' : target || ' ' + v.type))
    li.append(line)
    return li
  }
  if (isChat(v)) {
    li.classList.add('chat')
    const bubble = el('div', 'bubble')
    bubble.append(msg.author ? who(msg.author, v.nick) : el('span', 'who', v.nick))
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

function nearBottom () {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80
}

function append (messages) {
  const fresh = state.room ? messages.filter(m => !state.ids.has(m.author + ':' + m.authorSeq)) : messages.filter(m => m.seq > state.last)
  for (const m of fresh) if (state.room) state.ids.add(m.author + ':' + m.authorSeq)
  if (fresh.length === 0) return
  const stick = nearBottom()
  const frag = document.createDocumentFragment()
  for (const m of fresh) frag.append(render(m))
  list.append(frag)
  state.last = Math.max(state.last, ...fresh.map(m => m.seq))
  if (state.first === null) state.first = fresh[0].seq
  $('empty').hidden = true
  updateEarlier()
  renderSync()
  if (stick) scroller.scrollTop = scroller.scrollHeight
  else $('jump').hidden = false
}

scroller.addEventListener('scroll', () => { if (nearBottom()) $('jump').hidden = true })
$('jump').addEventListener('click', () => {
  scroller.scrollTop = scroller.scrollHeight
  $('jump').hidden = true
})

function updateEarlier () {
  $('earlier').hidden = !(state.first !== null && state.first > 0)
}

$('earlier').addEventListener('click', async () => {
  const end = state.first
  const start = Math.max(0, end - EARLIER_PAGE)
  const res = await fetch(`/api/entries?start=${start}&end=${end}`)
  if (!res.ok) return showError((await res.json()).error)
  let entries = await res.json()
  if (state.room) {
    entries = entries.filter(m => !state.ids.has(m.author + ':' + m.authorSeq))
    for (const m of entries) state.ids.add(m.author + ':' + m.authorSeq)
  }
  const before = scroller.scrollHeight
  const frag = document.createDocumentFragment()
  for (const m of entries) frag.append(render(m))
  list.prepend(frag)
  state.first = start
  scroller.scrollTop += scroller.scrollHeight - before
  updateEarlier()
})

function showInfo (info) {
  state.info = info
  if (info.room && !state.room) {
    state.room = true
    $('room').hidden = false
    $('members').hidden = false
    loadMembers()
  }
  if (state.room) {
    $('members').textContent = `${info.members} member${info.members === 1 ? '' : 's'}`
    $('invite').hidden = !info.member
    if (info.members !== state.members.size) loadMembers()
    const tip = info.tip ? info.tip.hash : null
    if (tip !== state.tip) {
      state.tip = tip
      loadChain()
    }
    if (info.difficulty !== null && !state.difficultySet) {
      $('difficulty').value = info.difficulty
      $('difficulty').min = info.difficulty
      state.difficultySet = true
    }
  }
  state.writable = info.writable
  $('key').textContent = info.key
  $('key').title = `hex ${info.key}\nz32 ${info.z32}`
  $('peers').textContent = `${info.peers} peer${info.peers === 1 ? '' : 's'}`
  $('peers').className = 'pill ' + (info.peers > 0 ? 'on' : '')
  renderSync()
  $('mode').textContent = info.room ? (info.member ? 'member' : 'not a member') : info.writable ? 'writer' : 'read-only'
  $('compose').hidden = !info.writable

  if (info.readable === false) {
    $('empty').textContent = 'This feed is private: its entries are encrypted. Serve it with its invite (hyperfeed:...) to read it here.'
    $('empty').hidden = false
  } else if (info.length === 0 && state.last < 0) $('empty').hidden = false
  document.title = `hyperfeed · ${info.key.slice(0, 8)}…`
}

// Entries shown can run ahead of the last info message (they are coalesced).
function renderSync () {
  const info = state.info
  if (!info) return
  const length = Math.max(info.length, state.last + 1)
  const sync = $('sync')
  if (info.synced) {
    sync.textContent = `in sync · ${length} entries`
    sync.className = 'pill on'
  } else {
    sync.textContent = `syncing ${Math.max(info.contiguousLength, state.last + 1)}/${length}`
    sync.className = 'pill'
  }
}

function setConnection (on, text) {
  $('conn').textContent = text
  $('conn').className = 'pill ' + (on ? 'on' : 'off')
}

// The room's main chain as cards, genesis first (the latest 50).
async function loadChain () {
  try {
    const chain = await (await fetch('/api/chain')).json()
    $('chain').hidden = chain.blocks.length === 0
    $('chainsummary').textContent = chain.tip
      ? `${chain.tip.height + 1} block${chain.tip.height === 0 ? '' : 's'} · work ${chain.tip.work} · ${chain.stale} stale · ${chain.counts.invalid} invalid`
      : ''
    const ol = $('chaincards')
    ol.textContent = ''
    for (const b of chain.blocks.slice(-50)) {
      const li = el('li', 'chaincard')
      li.append(el('span', 'height', '#' + b.height))
      li.append(el('code', 'hash', b.hash.slice(0, 12)))
      li.append(who(b.author))
      li.append(el('pre', 'mono', JSON.stringify(b.value.data)))
      ol.append(li)
    }
    ol.scrollLeft = ol.scrollWidth
  } catch {}
}

async function loadMembers () {
  try {
    const members = await (await fetch('/api/members')).json()
    const ul = $('memberlist')
    ul.textContent = ''
    for (const m of members) {
      state.members.set(m.key, m.nick)
      const li = el('li', 'member' + (m.removed ? ' removed' : ''))
      li.append(who(m.key, m.nick))
      if (m.self) li.append(el('span', 'self', 'this server'))
      if (m.removed) li.append(el('span', 'self', 'removed'))
      ul.append(li)
    }
  } catch {}
}

$('invite').addEventListener('click', async () => {
  try {
    const { invite } = await post('/api/invites', {})
    $('invitetoken').textContent = invite
    $('invitebox').hidden = false
    showError('')
  } catch (err) {
    showError(err.message)
  }
})

$('copyinvite').addEventListener('click', () => navigator.clipboard.writeText($('invitetoken').textContent).catch(() => {}))

async function connect () {
  // a room may reorder what it shows: resume from the first entry shown, known ones are skipped
  let start = state.room && state.first !== null ? state.first : state.last + 1
  if (state.last < 0) {
    // first connection: the latest entries only; earlier ones load on demand
    try {
      const info = await (await fetch('/api/info')).json()
      showInfo(info)
      start = Math.max(0, info.length - INITIAL_WINDOW)
    } catch {
      return retry()
    }
  }
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live?start=${start}`)
  state.socket = ws
  let pending = []
  let flushQueued = false
  ws.onopen = () => {
    state.delay = RECONNECT_MIN
    setConnection(true, 'live')
  }
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data)
    if (msg.type === 'info' && msg.seq === undefined) return showInfo(msg)
    pending.push(msg)
    if (!flushQueued) {
      flushQueued = true
      requestAnimationFrame(() => {
        flushQueued = false
        const batch = pending
        pending = []
        append(batch)
      })
    }
  }
  ws.onclose = () => {
    if (state.socket !== ws) return
    state.socket = null
    setConnection(false, 'reconnecting…')
    retry()
  }
}

function retry () {
  setTimeout(connect, state.delay)
  state.delay = Math.min(RECONNECT_MAX, state.delay * 2)
}

function showError (message) {
  const e = $('error')
  e.textContent = message || ''
  e.hidden = !message
}

async function post (path, body) {
  const headers = { 'content-type': 'application/json' }
  if (token) headers.authorization = 'Bearer ' + token
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) })
  const json = await res.json().catch(() => ({ error: res.statusText }))
  if (!res.ok) throw new Error(json.error || res.statusText)
  return json
}

$('chat').addEventListener('submit', async (event) => {
  event.preventDefault()
  const text = $('text').value
  if (!text.trim()) return
  const nick = $('nick').value.trim()
  const button = event.submitter || $('chat').querySelector('button')
  button.disabled = true
  try {
    await post('/api/entries', nick ? { text, nick } : { text })
    $('text').value = ''
    showError('')
  } catch (err) {
    showError(err.message)
  } finally {
    button.disabled = false
    $('text').focus()
  }
})

$('mine').addEventListener('submit', async (event) => {
  event.preventDefault()
  const raw = $('data').value.trim()
  let data
  try {
    data = JSON.parse(raw)
  } catch {
    data = raw // plain text is mined as a JSON string
  }
  const button = $('mine').querySelector('button')
  button.disabled = true
  button.textContent = 'mining…'
  try {
    await post(state.room ? '/api/blocks' : '/api/mine', { data, difficulty: Number($('difficulty').value) })
    if (state.room) loadChain()
    $('data').value = ''
    showError('')
  } catch (err) {
    showError(err.message)
  } finally {
    button.disabled = false
    button.textContent = 'mine block'
  }
})

connect()
