/**
 * The durable outbox: every delivery to the outside world (Web Push, Telegram, Xero writes)
 * is a row written in the same transaction as the change that causes it, then delivered at
 * least once by a handler registered for its channel, with retries, back-off and a dead
 * state an owner can see and retry. Idempotency keys make a repeated delivery harmless.
 * An outage only delays: nothing is dropped except deliveries whose time-to-live passed.
 */
import type { AppContext } from '../shared/context'
import { notFound } from '../shared/errors'
import type { OutboxState } from '../db/schema'
import type {
  ChannelOptions,
  DeadLetter,
  DeliveryHandler,
  DeliveryResult,
  OutboxCounts,
  OutboxItem,
  OutboxPort,
} from '../shared/ports'
import * as repo from './repo'

// The delivery types are declared with the port in shared/; channels import them from here.
export type { ChannelOptions, DeliveryHandler, DeliveryResult, OutboxCounts, OutboxItem }

interface Channel extends Required<ChannelOptions> {
  handler: DeliveryHandler
  inFlight: number
}

export class Outbox implements OutboxPort {
  private readonly channels = new Map<string, Channel>()
  private timer: NodeJS.Timeout | null = null
  private soon: NodeJS.Timeout | null = null
  private isRunning = false
  private isPumping = false
  private pumpAgain = false
  private readonly idle = new Set<() => void>()

  constructor(
    private readonly ctx: AppContext,
    private readonly pollMs = 1_000,
  ) {}

  register(channel: string, handler: DeliveryHandler, options: ChannelOptions = {}): void {
    this.channels.set(channel, {
      handler,
      inFlight: 0,
      concurrency: options.concurrency ?? 4,
      maxAttempts: options.maxAttempts ?? 12,
      baseBackoffMs: options.baseBackoffMs ?? 15_000,
      maxBackoffMs: options.maxBackoffMs ?? 3_600_000,
    })
  }

  /** Starts delivering; items left "sending" by a crash go back to pending first. */
  async start(): Promise<void> {
    await repo.resetInFlight(this.ctx.db, this.ctx.clock.now())
    this.isRunning = true
    this.timer = setInterval(() => this.wake(), this.pollMs)
    this.timer.unref()
    this.wake()
  }

  async stop(): Promise<void> {
    this.isRunning = false
    if (this.timer) clearInterval(this.timer)
    clearTimeout(this.soon ?? undefined)
    this.timer = null
    // Let deliveries in flight finish so their outcome is recorded.
    for (let i = 0; i < 100 && [...this.channels.values()].some((c) => c.inFlight > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Looks for due deliveries now (called after a commit that enqueued something). */
  wake(): void {
    if (!this.isRunning) return
    if (this.isPumping) {
      this.pumpAgain = true
      return
    }
    this.isPumping = true
    void this.pump()
      .catch((error: unknown) => this.ctx.log.error({ err: error }, 'outbox pump failed'))
      .finally(() => {
        this.isPumping = false
        if (this.pumpAgain) {
          this.pumpAgain = false
          this.wake()
        }
      })
  }

  private async pump(): Promise<void> {
    await this.pumpDue()
    // Something due before the next poll (a deferred send's slot): wake for it exactly.
    const next = await repo.nextAttemptAt(this.ctx.db, [...this.channels.keys()])
    const wait = next === null ? null : next - this.ctx.clock.now()
    if (wait !== null && wait > 0 && wait < this.pollMs) {
      clearTimeout(this.soon ?? undefined)
      this.soon = setTimeout(() => this.wake(), wait)
      this.soon.unref()
    }
  }

  private async pumpDue(): Promise<void> {
    const now = this.ctx.clock.now()
    for (const [name, channel] of this.channels) {
      const room = channel.concurrency - channel.inFlight
      if (room <= 0) continue
      const due = await repo.selectDue(this.ctx.db, name, now, room)
      for (const row of due) {
        if (row.expires_at !== null && row.expires_at <= now) {
          await repo.transition(this.ctx.db, row.id, 'pending', 'dropped', now, {
            last_error: 'expired before delivery',
          })
          continue
        }
        if (!(await repo.transition(this.ctx.db, row.id, 'pending', 'sending', now))) continue
        channel.inFlight++
        const item: OutboxItem = {
          id: row.id,
          channel: name,
          idempotencyKey: row.idempotency_key,
          payload: JSON.parse(row.payload),
          attempts: row.attempts + 1,
          createdAt: row.created_at,
        }
        void this.deliver(channel, item, row.expires_at).finally(() => {
          channel.inFlight--
          if (this.isQuiet()) for (const resolve of this.idle) resolve()
          this.wake()
        })
      }
    }
  }

  private async deliver(channel: Channel, item: OutboxItem, expiresAt: number | null): Promise<void> {
    let result: DeliveryResult
    try {
      result = await channel.handler(item)
    } catch (error) {
      result = { kind: 'retry', error: error instanceof Error ? error.message : String(error) }
    }
    const now = this.ctx.clock.now()
    if (result.kind === 'defer') {
      await repo.transition(this.ctx.db, item.id, 'sending', 'pending', now, {
        attempts: item.attempts - 1,
        next_attempt_at: Math.max(now, result.untilMs),
      })
      return
    }
    if (result.kind === 'done') {
      await repo.transition(this.ctx.db, item.id, 'sending', 'done', now, { attempts: item.attempts, last_error: '' })
      return
    }
    if (result.kind === 'dead' || item.attempts >= channel.maxAttempts) {
      await repo.transition(this.ctx.db, item.id, 'sending', 'dead', now, {
        attempts: item.attempts,
        last_error: result.error.slice(0, 500),
      })
      return
    }
    const backoff = Math.min(channel.baseBackoffMs * 2 ** (item.attempts - 1), channel.maxBackoffMs)
    const jittered = Math.round(backoff * (0.8 + Math.random() * 0.4))
    const next = now + Math.max(result.afterMs ?? 0, jittered)
    if (expiresAt !== null && next >= expiresAt) {
      await repo.transition(this.ctx.db, item.id, 'sending', 'dropped', now, {
        attempts: item.attempts,
        last_error: `expired: ${result.error}`.slice(0, 500),
      })
      return
    }
    await repo.transition(this.ctx.db, item.id, 'sending', 'pending', now, {
      attempts: item.attempts,
      next_attempt_at: next,
      last_error: result.error.slice(0, 500),
    })
  }

  private isQuiet(): boolean {
    return [...this.channels.values()].every((c) => c.inFlight === 0)
  }

  async counts(): Promise<OutboxCounts[]> {
    const rows = await repo.countByState(this.ctx.db)
    const byChannel = new Map<string, OutboxCounts>()
    for (const row of rows) {
      const counts = byChannel.get(row.channel) ?? {
        channel: row.channel,
        pending: 0,
        sending: 0,
        done: 0,
        dead: 0,
        dropped: 0,
        retries: 0,
      }
      counts[row.state as OutboxState] = Number(row.n)
      counts.retries += Number(row.retries ?? 0)
      byChannel.set(row.channel, counts)
    }
    return [...byChannel.values()].sort((a, b) => a.channel.localeCompare(b.channel))
  }

  async deadLetters(limit = 50): Promise<DeadLetter[]> {
    const rows = await repo.selectDead(this.ctx.db, limit)
    return rows.map((row) => ({
      id: row.id,
      channel: row.channel,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: row.created_at,
      failedAt: row.updated_at,
    }))
  }

  /** Gives a dead delivery another go. */
  async retry(id: number): Promise<void> {
    const now = this.ctx.clock.now()
    const ok = await repo.transition(this.ctx.db, id, 'dead', 'pending', now, { attempts: 0, next_attempt_at: now })
    if (!ok) throw notFound('outbox_item_not_found', 'No such failed delivery.')
    this.wake()
  }

  /** Resolves when nothing is in flight (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.isQuiet()) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.idle.delete(done)
        resolve()
      }
      this.idle.add(done)
    })
  }

  async prune(): Promise<void> {
    await repo.deleteDoneBefore(this.ctx.db, this.ctx.clock.now() - 7 * 86_400_000)
  }
}
