import { usage } from './errors.js'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const RELATIVE = /^(\d{1,9})([smhdw])$/
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/
const EPOCH_MS = /^\d{10,16}$/

export const TIME_FORMS = 'an ISO date or time (2024-05-01, 2024-05-01T14:30, 2024-05-01T14:30:00Z), a time ago (30s, 15m, 2h, 7d, 2w), now, or milliseconds since 1970'

// A moment as a person types it, in ms since 1970:
//   2h, 7d ...               that long before `now` (s, m, h, d, w)
//   2024-05-01               midnight at its start, local time
//   2024-05-01T14:30[:05[.123]]   local time; with Z or +02:00, that offset
//   now, or 1714570000000    (milliseconds since 1970, 10 digits or more)
// Returns null when `text` is none of these.
export function parseTime (text: string, now = Date.now()): number | null {
  const s = text.trim()
  if (s === 'now') return now
  const rel = RELATIVE.exec(s)
  if (rel !== null) return now - Number(rel[1]) * UNITS[rel[2]!]!
  if (EPOCH_MS.test(s)) return Number(s)
  const m = ISO.exec(s)
  if (m === null) return null
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(x => x === undefined ? 0 : Number(x)) as number[]
  const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'))
  if (month! < 1 || month! > 12 || day! < 1 || hour! > 23 || minute! > 59 || second! > 59) return null
  const zone = m[8]
  let time: number
  if (zone === undefined) {
    const d = new Date(year!, month! - 1, day!, hour, minute, second, fraction)
    // (new Date rolls 2024-02-30 over into March)
    if (d.getDate() !== day || d.getMonth() !== month! - 1) return null
    time = d.getTime()
  } else {
    time = Date.UTC(year!, month! - 1, day!, hour, minute, second, fraction)
    if (new Date(time).getUTCDate() !== day) return null
    if (zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1
      const digits = zone.slice(1).replace(':', '')
      time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
    }
  }
  return time
}

// parseTime, or a usage error naming the flag or parameter.
export function requireTime (name: string, text: string, now = Date.now()): number {
  const time = parseTime(text, now)
  if (time === null) throw usage(`${name} takes ${TIME_FORMS}, not ${JSON.stringify(text)}`)
  return time
}
