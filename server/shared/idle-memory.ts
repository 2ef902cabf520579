/**
 * Gives memory back to the system once the shop has gone quiet.
 *
 * V8 shrinks its heap by itself only when its memory reducer judges the process idle, and a
 * server with timers and sockets open is rarely judged so: after start-up, or after a busy
 * hour, an appliance keeps 10 to 20 MB of heap pages it no longer uses. When nothing has been
 * asked of the server for `quietMs`, one compacting collection (V8's "last resort" GC, the
 * one it runs before giving up on an allocation) moves what lives together and returns the
 * empty pages. It runs again only after the server has been asked something and gone quiet
 * again: an appliance that stays quiet pays for it once (about 50 ms on a 20 MB heap).
 */
import v8 from 'node:v8'
import vm from 'node:vm'

export interface IdleMemoryOptions {
  /** How long without activity before memory is given back. */
  quietMs: number
  now(): number
  /** The collection itself (tests count calls). */
  collect(): void
}

export class IdleMemory {
  private lastActivityAt: number
  /** Whether anything happened since the last collection (true at start: start-up's garbage). */
  private isDirty = true

  constructor(private readonly options: IdleMemoryOptions) {
    this.lastActivityAt = options.now()
  }

  /** Something was asked of the server (a request, a socket message, a commit). */
  noteActivity(): void {
    this.lastActivityAt = this.options.now()
    this.isDirty = true
  }

  /** Collects if the server has been quiet long enough since its last activity; true if it did. */
  tick(): boolean {
    if (!this.isDirty || this.options.now() - this.lastActivityAt < this.options.quietMs) return false
    this.isDirty = false
    this.options.collect()
    return true
  }
}

/**
 * V8's compacting "last resort" collection. The gc function is taken from a fresh context
 * after turning on --expose-gc, so the server's own global scope never gets a `gc`. V8
 * before 12 (Node 20) ignores gc()'s options and collects nothing when given them; there a
 * plain full collection is what it has (its memory reducer gives pages back by itself).
 */
export function lastResortCollector(v8Version = process.versions.v8): () => void {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as (options?: { type: string; execution: string; flavor: string }) => void
  if (Number(v8Version.split('.')[0]) < 12) return () => gc()
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
}

/** Checks every `checkMs` (an unref'd timer: it never keeps the process alive); stop() ends it. */
export function startIdleMemory(idle: IdleMemory, checkMs: number): { stop(): void } {
  const timer = setInterval(() => idle.tick(), checkMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
