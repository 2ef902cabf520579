/**
 * Telegram's sending limits, kept in memory: about one message a second in any chat,
 * twenty a minute in a group and thirty a second overall. Each send reserves the earliest
 * slot that keeps all three; a little margin absorbs network jitter. A 429 blocks the chat
 * (or everything) for the time Telegram asks.
 */
export const CHAT_SPACING_MS = 1_050
export const GROUP_WINDOW_MS = 61_000
export const GROUP_PER_WINDOW = 20
/** Overall: evenly spaced, 25 a second, so delays on a busy machine cannot bunch 30 into one second. */
export const GLOBAL_SPACING_MS = 40
/**
 * Overall, counted when requests really go out and come back: slots are only plans, and on a
 * busy machine timers that fire late fire together. A request in flight, or answered within
 * the last second, counts against this.
 */
export const GLOBAL_PER_SECOND = 25

export class SendLimiter {
  private readonly lastSend = new Map<number, number>()
  private readonly groupSends = new Map<number, number[]>()
  private globalSends: number[] = []
  private readonly blocked = new Map<number, number>()
  private globalBlocked = 0
  private inFlight = 0
  private answeredAt: number[] = []

  /** The earliest time a message to this chat may go, without reserving it. */
  earliest(chatId: number, isGroup: boolean, now: number): number {
    let at = Math.max(now, this.blocked.get(chatId) ?? 0, this.globalBlocked)
    for (let i = 0; i < 8; i++) {
      const before = at
      // About one message a second in any chat; a group also at most twenty a minute.
      at = Math.max(at, (this.lastSend.get(chatId) ?? -Infinity) + CHAT_SPACING_MS)
      if (isGroup)
        at = Math.max(at, windowSlot(this.groupSends.get(chatId) ?? [], at, GROUP_WINDOW_MS, GROUP_PER_WINDOW))
      at = Math.max(at, nextFree(this.globalSends, at, GLOBAL_SPACING_MS))
      if (at === before) break
    }
    return at
  }

  /** Takes the earliest slot for this chat and returns its time. */
  reserve(chatId: number, isGroup: boolean, now: number): number {
    const at = this.earliest(chatId, isGroup, now)
    if (isGroup) this.groupSends.set(chatId, keep([...(this.groupSends.get(chatId) ?? []), at], now, GROUP_WINDOW_MS))
    this.lastSend.set(chatId, at)
    this.globalSends = keep([...this.globalSends, at], now, GLOBAL_SPACING_MS * 50)
    return at
  }

  /**
   * The send reserved for `reservedAt` finished at `doneAt`: it reached Telegram somewhere in
   * between, so count it at the later time (requests delayed on a busy machine bunch up).
   */
  settle(chatId: number, isGroup: boolean, reservedAt: number, doneAt: number): void {
    const replace = (times: number[]) => {
      const i = times.indexOf(reservedAt)
      if (i >= 0) times[i] = Math.max(reservedAt, doneAt)
    }
    if (isGroup) replace(this.groupSends.get(chatId) ?? [])
    this.lastSend.set(chatId, Math.max(this.lastSend.get(chatId) ?? 0, doneAt))
  }

  /** How long to wait before one more request may go out at `now` (0: it may go now). */
  dispatchWait(now: number): number {
    this.answeredAt = this.answeredAt.filter((t) => t > now - 1000)
    if (this.inFlight + this.answeredAt.length < GLOBAL_PER_SECOND) return 0
    // All of them still in flight: look again shortly; else when the oldest answer is a second old.
    return this.answeredAt.length ? Math.min(...this.answeredAt) + 1000 - now + 1 : 50
  }

  /** A request goes out now (after `dispatchWait` said 0, in the same tick). */
  dispatched(): void {
    this.inFlight++
  }

  /** The request that went out was answered (or failed) at `now`. */
  answered(now: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1)
    this.answeredAt.push(now)
  }

  /** Telegram answered 429: nothing to this chat (or, for a flood, to anyone) before `until`. */
  block(chatId: number | null, until: number): void {
    if (chatId === null) this.globalBlocked = Math.max(this.globalBlocked, until)
    else this.blocked.set(chatId, Math.max(this.blocked.get(chatId) ?? 0, until))
  }
}

/**
 * The earliest time ≥ at where one more send keeps every window of `windowMs` at `limit`
 * sends or fewer: in the sorted times, any limit + 1 consecutive sends span at least a window.
 */
function windowSlot(times: readonly number[], at: number, windowMs: number, limit: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  const candidates = [at, ...sorted.map((t) => t + windowMs).filter((t) => t > at)].sort((a, b) => a - b)
  for (const slot of candidates) {
    const withSlot = [...sorted, slot].sort((a, b) => a - b)
    let isValid = true
    for (let i = 0; i + limit < withSlot.length; i++) {
      if ((withSlot[i + limit] as number) - (withSlot[i] as number) < windowMs) {
        isValid = false
        break
      }
    }
    if (isValid) return slot
  }
  return at
}

/** The earliest time ≥ at that is at least `spacing` away from every reserved time. */
function nextFree(times: readonly number[], at: number, spacing: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let slot = at
  for (const t of sorted) {
    if (t + spacing <= slot) continue
    if (t - spacing >= slot) break
    slot = t + spacing
  }
  return slot
}

/** Forgets sends that can no longer share a window with anything sent from now on. */
function keep(times: number[], now: number, windowMs: number): number[] {
  return times.filter((t) => t > now - windowMs)
}
