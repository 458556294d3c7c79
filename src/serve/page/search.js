// The search box: GET /api/search?q=, the hits newest first in a panel above the entries.
import { el } from './render.js'

const $ = (id) => document.getElementById(id)

export function bindSearch (render, showError) {
  const panel = $('results')
  $('search').addEventListener('submit', async (event) => {
    event.preventDefault()
    const q = $('query').value.trim()
    panel.textContent = ''
    panel.hidden = q.length === 0
    if (q.length === 0) return
    const res = await fetch('/api/search?q=' + encodeURIComponent(q) + '&limit=50')
    const hits = await res.json().catch(() => null)
    if (!res.ok) return showError((hits && hits.error) || res.statusText)
    showError('')
    const head = el('div', 'resultshead', hits.length === 0 ? `nothing found for “${q}”` : `${hits.length} found for “${q}”, newest first`)
    const close = el('button', 'more', 'close')
    close.type = 'button'
    close.addEventListener('click', () => { panel.hidden = true; $('query').value = '' })
    head.append(close)
    const list = el('ol', 'resultlist')
    for (const hit of hits) list.append(render(hit))
    panel.append(head, list)
  })
}
