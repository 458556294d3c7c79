import crypto from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

// Browsers send Origin on cross-site requests and WebSocket upgrades: a page on
// another site must never drive this server (append, connect peers), and a DNS
// rebinding page must not even read a loopback-only server.
export function isLoopbackHost (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'))
}

function hostOf (hostHeader: string): string {
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader)
  return m ? m[1]! : hostHeader
}

export interface Policy {
  loopback: boolean
  // required on POST (Authorization: Bearer TOKEN); null: none
  token: string | null
  // the token is required on reads too (a private feed)
  reads: boolean
}

// A loopback-only server answers only to loopback host names (DNS rebinding).
export function hostAllowed (req: IncomingMessage, policy: Policy): boolean {
  if (!policy.loopback) return true
  const host = req.headers.host
  return host !== undefined && isLoopbackHost(hostOf(host))
}

// No Origin: not a browser page (curl, scripts). Otherwise the page must come
// from this very server.
export function originAllowed (req: IncomingMessage, policy: Policy): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.host !== req.headers.host) return false
  return policy.loopback ? isLoopbackHost(url.hostname) : true
}

// A browser cannot set headers on a WebSocket: it offers the token as the
// subprotocol "bearer.TOKEN" instead.
export const BEARER_PROTOCOL = 'bearer.'

export function tokenAllowed (req: IncomingMessage, policy: Policy): boolean {
  if (policy.token === null) return true
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map(p => p.trim()).find(p => p.startsWith(BEARER_PROTOCOL))
  const token = m?.[1] ?? offered?.slice(BEARER_PROTOCOL.length)
  if (token === undefined) return false
  const given = Buffer.from(token)
  const expected = Buffer.from(policy.token)
  return given.length === expected.length && crypto.timingSafeEqual(given, expected)
}

export function newToken (): string {
  return crypto.randomBytes(24).toString('base64url')
}
