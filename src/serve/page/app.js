// The hyperfeed web page: live entries over /live, writes over the JSON API.
import { el, render } from './render.js'
import { bindInvite, loadChain, loadMembers } from './room.js'
import { Messages, isRefEntry } from './messages.js'
import { bindSearch } from './search.js'

const INITIAL_WINDOW = 500
const EARLIER_PAGE = 200
const RECONNECT_MIN = 500
const RECONNECT_MAX = 5000

const $ = (id) => document.getElementById(id)
const list = $('entries')
const scroller = $('scroller')

const shown = new Messages()
const state = {
  room: false, // a room: entries have authors, and the order may change as entries arrive
  ids: new Set(), // rooms: author:authorSeq of every entry shown (each once, whatever its seq)
  members: new Map(), // rooms: key -> { name, nick }
  tip: null, // rooms: the main chain's tip shown
  difficultySet: false,
  admin: false, // rooms: this gateway can remove members
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
const auth = () => token ? { authorization: 'Bearer ' + token } : {}

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

function nearBottom () {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80
}

function append (messages) {
  const fresh = state.room ? messages.filter(m => !state.ids.has(m.author + ':' + m.authorSeq)) : messages.filter(m => m.seq > state.last)
  for (const m of fresh) if (state.room) state.ids.add(m.author + ':' + m.authorSeq)
  if (fresh.length === 0) return
  const stick = nearBottom()
  const frag = document.createDocumentFragment()
  for (const m of fresh) {
    if (isRefEntry(m)) continue
    const li = render(m, state)
    shown.add(m, li)
    frag.append(li)
  }
  list.append(frag)
  for (const m of fresh) if (isRefEntry(m)) shown.apply(m)
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
  const res = await fetch(`/api/entries?start=${start}&end=${end}`, { headers: auth() })
  if (!res.ok) return showError((await res.json()).error)
  let entries = await res.json()
  if (state.room) {
    entries = entries.filter(m => !state.ids.has(m.author + ':' + m.authorSeq))
    for (const m of entries) state.ids.add(m.author + ':' + m.authorSeq)
  }
  const before = scroller.scrollHeight
  const frag = document.createDocumentFragment()
  for (const m of entries) {
    if (isRefEntry(m)) continue
    const li = render(m, state)
    shown.add(m, li)
    frag.append(li)
  }
  list.prepend(frag)
  for (const m of entries) if (isRefEntry(m)) shown.apply(m)
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
    loadMembers(state.members, memberRemover())
  }
  if (state.room) {
    $('members').textContent = `${info.members} member${info.members === 1 ? '' : 's'}`
    $('invite').hidden = !info.member
    if (info.members !== state.members.size || info.admin !== state.admin) loadMembers(state.members, memberRemover())
    state.admin = info.admin
    const tip = info.tip ? info.tip.hash : null
    if (tip !== state.tip) {
      state.tip = tip
      loadChain(state.members)
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

async function connect () {
  // a room may reorder what it shows: resume from the first entry shown, known ones are skipped
  let start = state.room && state.first !== null ? state.first : state.last + 1
  if (state.last < 0) {
    // first connection: the latest entries only; earlier ones load on demand
    try {
      const info = await (await fetch('/api/info', { headers: auth() })).json()
      showInfo(info)
      start = Math.max(0, info.length - INITIAL_WINDOW)
    } catch {
      return retry()
    }
  }
  // a browser cannot send headers on a WebSocket: the token rides as its subprotocol
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live?start=${start}`, token ? ['bearer.' + token] : [])
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
    if (msg.type === 'synced' && msg.seq === undefined) return
    if (msg.type === 'dropped' && msg.seq === undefined) return markDropped(msg)
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

// shown, then not in the room's order after all: marked, not silently kept
function markDropped ({ author, authorSeq }) {
  const li = document.querySelector(`#entries li[data-id="${author}:${authorSeq}"]`)
  if (li === null || li.classList.contains('dropped')) return
  li.classList.add('dropped')
  li.title = 'not in the room: the room\'s order put it after its author\'s removal'
  li.append(el('span', 'dropped-note', 'dropped: not in the room'))
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

async function request (method, path, body) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' }
  if (token) headers.authorization = 'Bearer ' + token
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const json = await res.json().catch(() => ({ error: res.statusText }))
  if (!res.ok) throw new Error(json.error || res.statusText)
  return json
}

const post = (path, body) => request('POST', path, body)

async function removeMember (key) {
  try {
    await request('DELETE', '/api/members/' + key)
    showError('')
  } catch (err) {
    showError(err.message)
    throw err
  }
}

const memberRemover = () => state.info?.admin ? removeMember : null

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
    if (state.room) loadChain(state.members)
    $('data').value = ''
    showError('')
  } catch (err) {
    showError(err.message)
  } finally {
    button.disabled = false
    button.textContent = 'mine block'
  }
})

bindInvite(post, showError)
bindSearch((m) => render(m, state), showError)
connect()
