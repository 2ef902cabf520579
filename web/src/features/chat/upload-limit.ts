/**
 * The largest file the server accepts, as far as this page knows: the shop's limit as the
 * signed-in member's details gave it, or what a refused upload announced since (its 413
 * names `limitMb`: an owner may have changed it). A file over it is refused before a byte
 * is sent.
 */
import { ApiError } from '../../lib/api'
import { me } from '../../lib/session'

let knownLimitMb: number | null = null

/** Remembers the limit a refused upload announced; true when the error was that refusal. */
export function learnUploadLimit(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.code !== 'file_too_large') return false
  const limitMb = (error.details as { limitMb?: unknown } | undefined)?.limitMb
  if (typeof limitMb === 'number' && limitMb > 0) knownLimitMb = limitMb
  return true
}

/** The limit in MB when one is known and `size` is over it; null when the file may fit. */
export function exceededLimitMb(size: number): number | null {
  const limitMb = knownLimitMb ?? me.value?.shop.maxFileMb ?? null
  return limitMb !== null && size > limitMb * 1024 * 1024 ? limitMb : null
}
