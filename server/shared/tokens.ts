import { createHash, randomBytes } from 'node:crypto'

/** A random token of `bytes` bytes, URL-safe. 16 bytes = 128 bits. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url')
}

/** Tokens are stored only as their SHA-256, so a copied database cannot be used to sign in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

const READABLE = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'

/** A short code people can read aloud or type: no 0/O or 1/I. */
export function readableCode(length: number): string {
  const bytes = randomBytes(length)
  let code = ''
  for (const byte of bytes) code += READABLE[byte % READABLE.length]
  return code
}
