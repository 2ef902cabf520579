/**
 * Long polling: the appliance sits behind NAT, so it asks Telegram for updates rather than
 * taking a webhook. Each update is handed to `apply`, which commits it with the offset after
 * it; a failed poll backs off and is recorded for the System page. When Telegram answers
 * again (to a poll or a delivery), what waited in the outbox goes at once.
 */
import type { Bridge } from './bridge'
import { classify, scrub, type BotClients, type TgUpdate } from './client'
import { TELEGRAM_CHANNEL } from './mirror'

const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member']

export interface PollerOptions {
  pollTimeoutS: number
  apply(update: TgUpdate): Promise<void>
  /** Forget the sender's holds: Telegram is back. */
  resetBlocks(): void
}

export class Poller {
  isRunning = false
  private generation = 0
  private wakeSleep: (() => void) | null = null
  private lastOkWrittenAt = 0
  private isFailing = false
  private failingSince: number | null = null
  private lastError = ''
  private isDeliveryFailing = false
  private loop: Promise<void> | null = null

  constructor(
    private readonly bridge: Bridge,
    private readonly options: PollerOptions,
  ) {}

  private get ctx() {
    return this.bridge.ctx
  }

  /** Since when Telegram has not answered, and its last error; null while it answers. */
  failure(): { since: number; lastError: string } | null {
    return this.isFailing && this.failingSince !== null ? { since: this.failingSince, lastError: this.lastError } : null
  }

  /** (Re)starts polling with a fresh bot: whatever failed before is forgotten. */
  restart(): void {
    this.isFailing = false
    this.isRunning = true
    this.start()
  }

  start(): void {
    const generation = ++this.generation
    this.loop = this.pollLoop(generation).catch((error: unknown) => {
      // Not expected (the database went away?): say so, and start again shortly.
      this.ctx.log.error({ error: scrub(String(error)) }, 'the Telegram polling loop stopped; restarting')
      const timer = setTimeout(() => {
        if (this.isCurrent(generation)) this.start()
      }, 5_000)
      timer.unref()
    })
  }

  stop(): void {
    this.isRunning = false
    this.generation++
    this.wakeSleep?.()
    // The poll in flight is left to end by itself (its results are dropped, the offset kept).
  }

  /** Waits for the polling loop to finish its current round (tests). */
  async settled(): Promise<void> {
    await this.loop
  }

  private isCurrent(generation: number): boolean {
    return this.isRunning && generation === this.generation && this.bridge.clients !== null
  }

  private async pollLoop(generation: number): Promise<void> {
    let failures = 0
    const row = await this.ctx.db.selectFrom('telegram_bot').selectAll().executeTakeFirst()
    this.failingSince = row?.failing_since ?? null
    this.isFailing = this.failingSince !== null
    this.lastError = row?.last_error ?? ''
    while (this.isCurrent(generation)) {
      const clients = this.bridge.clients as BotClients
      try {
        const offset =
          (await this.ctx.db.selectFrom('telegram_bot').select('update_offset').executeTakeFirst())?.update_offset ?? 0
        const updates = await clients.poller.getUpdates({
          offset,
          // After a failure, a short poll first: it tells at once whether Telegram is back.
          timeout: this.isFailing ? 0 : this.options.pollTimeoutS,
          limit: 100,
          allowed_updates: JSON.stringify(ALLOWED_UPDATES) as unknown as string[],
        })
        // Stopped or replaced meanwhile: leave these updates to the next poll (the offset is unchanged).
        if (!this.isCurrent(generation)) return
        await this.pollSucceeded()
        failures = 0
        for (const update of updates) {
          if (!this.isCurrent(generation)) return
          await this.options.apply(update)
        }
      } catch (error) {
        if (!this.isCurrent(generation)) return
        const failure = classify(error)
        failures++
        await this.pollFailed(failure.message).catch(() => undefined)
        // A revoked token or another poller will not fix itself in seconds.
        const wait =
          failure.kind === 'unauthorized' || failure.kind === 'conflict'
            ? 60_000
            : failure.kind === 'rate_limited'
              ? failure.retryAfterS * 1000
              : Math.min(5_000, 500 * 2 ** Math.min(failures, 4))
        await this.sleep(Math.round(wait * (0.8 + Math.random() * 0.4)))
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.wakeSleep = null
        resolve()
      }
      const timer = setTimeout(done, ms)
      timer.unref()
      this.wakeSleep = done
    })
  }

  private async pollSucceeded(): Promise<void> {
    const now = this.ctx.clock.now()
    const wasFailing = this.isFailing
    if (!wasFailing && now - this.lastOkWrittenAt < 60_000) return
    this.isFailing = false
    this.failingSince = null
    this.lastOkWrittenAt = now
    await this.ctx.db
      .updateTable('telegram_bot')
      .set({ last_ok_at: now, failing_since: null, last_error: '' })
      .execute()
    if (wasFailing) {
      this.ctx.log.info('Telegram answers again')
      await this.releaseQueue()
    }
  }

  private async pollFailed(message: string): Promise<void> {
    const now = this.ctx.clock.now()
    const text = scrub(message).slice(0, 300)
    if (!this.isFailing) {
      this.ctx.log.warn({ error: text }, 'Telegram polling failed; retrying with back-off')
      this.failingSince = now
    }
    this.isFailing = true
    this.lastError = text
    await this.ctx.db.updateTable('telegram_bot').set({ failing_since: this.failingSince, last_error: text }).execute()
  }

  /** A delivery failed because Telegram could not be reached. */
  deliveryFailed(): void {
    this.isDeliveryFailing = true
  }

  /** A delivery got through: if Telegram was unreachable, what waits goes now and polling resumes. */
  async deliverySucceeded(): Promise<void> {
    if (!this.isDeliveryFailing) return
    this.isDeliveryFailing = false
    this.wakeSleep?.()
    await this.releaseQueue()
  }

  /**
   * Telegram is back: what waited in the outbox goes now rather than at its back-off time.
   * Items held by a rate limit come back too, and the limiter holds them again.
   */
  private async releaseQueue(): Promise<void> {
    const now = this.ctx.clock.now()
    await this.ctx.db
      .updateTable('outbox')
      .set({ next_attempt_at: now })
      .where('channel', '=', TELEGRAM_CHANNEL)
      .where('state', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .execute()
    this.options.resetBlocks()
    this.ctx.outbox.wake()
  }
}
