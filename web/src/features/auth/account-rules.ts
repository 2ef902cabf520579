/** The server's rules for usernames and passwords, checked early for a quicker answer. */
import { t } from '../../lib/i18n'

const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/i
/** Names Backboard gives out itself (erased members, wall screens). */
const RESERVED_USERNAME_PATTERN = /^(former|display)-/i

export function usernameProblem(username: string): string | null {
  if (!username) return t('auth.usernameRequired')
  if (!USERNAME_PATTERN.test(username)) return t('auth.usernameRules')
  return RESERVED_USERNAME_PATTERN.test(username) ? t('auth.usernameReserved') : null
}

export function passwordProblem(password: string): string | null {
  return password.length >= 8 ? null : t('auth.passwordTooShort')
}

/** Suggests a username from a display name: "Ana María Pérez" → "ana.maria". */
export function suggestUsername(displayName: string): string {
  const words = displayName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
  return words.slice(0, 2).join('.').slice(0, 32)
}
