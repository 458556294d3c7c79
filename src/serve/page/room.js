// The room panel: members, the main chain as cards, the invite button.
import { el, relabel, who } from './render.js'

const $ = (id) => document.getElementById(id)
const CHAIN_CARDS = 50

// remove: (key) => Promise, where this gateway can remove members; null elsewhere
export async function loadMembers (members, remove = null) {
  try {
    const list = await (await fetch('/api/members')).json()
    const ul = $('memberlist')
    ul.textContent = ''
    for (const m of list) members.set(m.key, { name: m.name, nick: m.nick })
    relabel(members)
    for (const m of list) {
      const li = el('li', 'member' + (m.removed ? ' removed' : ''))
      li.append(who(m.key, m.nick, members))
      if (m.self) li.append(el('span', 'self', 'this server'))
      if (m.removed) li.append(el('span', 'self', 'removed'))
      if (remove && !m.self && !m.removed && m.invitedBy !== null) {
        const button = el('button', 'remove', 'remove')
        button.type = 'button'
        button.title = 'remove this member: what it posts from now on never enters the room'
        button.addEventListener('click', () => {
          if (!confirm(`Remove ${m.nick} from the room?`)) return
          button.disabled = true
          remove(m.key).then(() => loadMembers(members, remove), () => { button.disabled = false })
        })
        li.append(button)
      }
      ul.append(li)
    }
  } catch {}
}

export async function loadChain (members) {
  try {
    const chain = await (await fetch('/api/chain')).json()
    $('chain').hidden = chain.blocks.length === 0
    $('chainsummary').textContent = chain.tip
      ? `${chain.tip.height + 1} block${chain.tip.height === 0 ? '' : 's'} · work ${chain.tip.work} · ${chain.stale} stale · ${chain.counts.invalid} invalid`
      : ''
    const ol = $('chaincards')
    ol.textContent = ''
    for (const b of chain.blocks.slice(-CHAIN_CARDS)) {
      const li = el('li', 'chaincard')
      li.append(el('span', 'height', '#' + b.height))
      li.append(el('code', 'hash', b.hash.slice(0, 12)))
      li.append(who(b.author, undefined, members))
      li.append(el('pre', 'mono', JSON.stringify(b.value.data)))
      ol.append(li)
    }
    ol.scrollLeft = ol.scrollWidth
  } catch {}
}

export function bindInvite (post, showError) {
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
}
