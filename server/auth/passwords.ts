/**
 * Password hashing with scrypt from node:crypto (no native module beyond better-sqlite3).
 * Parameters: N=2^15, r=8, p=3 — one of OWASP's equivalent scrypt settings (32 MiB per hash
 * instead of 128 MiB for N=2^17, p=1), so a Raspberry Pi can afford several logins at once.
 * The parameters are stored with each hash so they can be raised later.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { COMMON_PASSWORDS } from './common-passwords'

export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const
const KEY_LENGTH = 32
const MAX_MEMORY = 64 * 1024 * 1024

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const { N, r, p } = SCRYPT_PARAMS
  const key = await derive(password, salt, { N, r, p })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !expected) return false
  const expectedKey = Buffer.from(expected, 'base64url')
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) })
  return key.length === expectedKey.length && timingSafeEqual(key, expectedKey)
}

/** A hash of a random password, verified against when the username is unknown, so that
 *  response time does not reveal which usernames exist. */
let decoyHash: Promise<string> | null = null
export function decoy(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(12).toString('hex'))
  return decoyHash
}

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 256

/** Returns an error code when the password is not acceptable, otherwise null. */
export function passwordProblem(
  password: string,
  username?: string,
): 'password_too_short' | 'password_too_common' | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'password_too_short'
  const lower = password.toLowerCase()
  if (COMMON_PASSWORDS.has(lower)) return 'password_too_common'
  if (username && lower === username.toLowerCase()) return 'password_too_common'
  if (/^(.)\1+$/.test(password)) return 'password_too_common'
  return null
}
