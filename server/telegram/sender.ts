/**
 * Every call that sends to a chat goes through here, keeping Telegram's limits: calls for
 * one chat go in order, one at a time, each in the earliest slot the limiter allows; a slot
 * further away, or a 429, holds the chat (Deferred) and the item goes back to the queue
 * until then without counting a failed attempt.
 */
import fs from 'node:fs'
import type TelegramBotType from 'node-telegram-bot-api'
import type { DeliveryResult } from '../shared/ports'
import { openStoredFile } from '../files/service'
import type { Bridge } from './bridge'
import { classify } from './client'
import { SendLimiter } from './limiter'
import { webmOpusToOgg } from './opus'
import type { Keyboard, Part } from './registry'

/** A slot further away than this: back to the queue instead of holding a delivery slot. */
const MAX_WAIT_MS = 3_000

export type { Part } from './registry'

/** Not now: the chat (or everything) is held until `untilMs`. */
export class Deferred extends Error {
  constructor(readonly untilMs: number) {
    super('deferred')
  }
}

/** What the poller wants to hear about deliveries: Telegram out of reach, and back. */
export interface DeliveryHealth {
  failed(): void
  succeeded(): Promise<void>
}

export class ChatSender {
  readonly limiter = new SendLimiter()
  private readonly chains = new Map<number, Promise<unknown>>()
  private readonly deferredUntil = new Map<number, number>()
  /** Deliveries answered 429 since start (System page, tests). */
  rateLimitedCount = 0
  /** Failures to reach Telegram in a row: each waits longer, up to a minute. */
  private unreachableStreak = 0

  constructor(
    private readonly bridge: Bridge,
    private readonly health: DeliveryHealth,
  ) {}

  private get ctx() {
    return this.bridge.ctx
  }

  resetBlocks(): void {
    this.deferredUntil.clear()
  }

  /** The time the chat is held until (0 when it is not). */
  heldUntil(chatId: number): number {
    return this.deferredUntil.get(chatId) ?? 0
  }

  /** Nothing more to this chat before `until`; later items for it wait too, so order holds. */
  hold(chatId: number | null, until: number): DeliveryResult {
    if (chatId === null) return { kind: 'defer', untilMs: until }
    // Every held item of a chat comes back at the same time, so they go again in queue order.
    const held = Math.max(this.deferredUntil.get(chatId) ?? 0, until)
    this.deferredUntil.set(chatId, held)
    return { kind: 'defer', untilMs: held }
  }

  /** What the outbox does with an item whose delivery failed this way. */
  failed(error: unknown, chatId: number | null): DeliveryResult {
    const failure = classify(error)
    const now = this.ctx.clock.now()
    switch (failure.kind) {
      case 'rate_limited':
        return this.hold(chatId, now + failure.retryAfterS * 1000)
      case 'unavailable':
        // Telegram out of reach is not this message's fault: it waits (until it expires),
        // and goes at once when Telegram answers again.
        this.health.failed()
        this.unreachableStreak++
        return this.hold(chatId, now + Math.min(60_000, 1_000 * 2 ** Math.min(this.unreachableStreak, 6)))
      case 'unauthorized':
        // A revoked token: it waits for the owner to paste a new one.
        return this.hold(chatId, now + 300_000)
      case 'local':
        return { kind: 'retry', error: failure.message }
      default:
        return { kind: 'dead', error: failure.message }
    }
  }

  /** Runs deliveries for one chat one after another, in the order the outbox handed them out. */
  inChatOrder<T>(chatId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(chatId) ?? Promise.resolve()
    const next = previous.then(work, work)
    const tail = next.catch(() => undefined)
    this.chains.set(chatId, tail)
    void tail.then(() => {
      if (this.chains.get(chatId) === tail) this.chains.delete(chatId)
    })
    return next
  }

  /** Waits for this chat's next slot, or throws Deferred when it is further than MAX_WAIT_MS. */
  private async takeSlot(chatId: number, isGroup: boolean): Promise<number> {
    const now = this.ctx.clock.now()
    // Shutting down: what has not started waits for the next start, so nothing is half-recorded.
    if (this.bridge.isStopping) throw new Deferred(now)
    const held = this.deferredUntil.get(chatId) ?? 0
    if (held > now) throw new Deferred(held)
    const earliest = this.limiter.earliest(chatId, isGroup, now)
    if (earliest - now > MAX_WAIT_MS) {
      this.deferredUntil.set(chatId, earliest)
      throw new Deferred(earliest)
    }
    const at = this.limiter.reserve(chatId, isGroup, now)
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now))
    // Timers that fired late fire together: the count of requests really out decides.
    for (let wait = this.limiter.dispatchWait(this.ctx.clock.now()); wait > 0;) {
      await new Promise((resolve) => setTimeout(resolve, wait))
      wait = this.limiter.dispatchWait(this.ctx.clock.now())
    }
    if (this.bridge.isStopping) throw new Deferred(this.ctx.clock.now())
    return at
  }

  /** Calls Telegram for one chat; a 429 blocks the chat for as long as Telegram says. */
  async call<T>(chatId: number, isGroup: boolean, request: () => Promise<T>): Promise<T> {
    const slot = await this.takeSlot(chatId, isGroup)
    this.limiter.dispatched()
    try {
      const result = await request()
      this.limiter.settle(chatId, isGroup, slot, this.ctx.clock.now())
      this.limiter.answered(this.ctx.clock.now())
      this.unreachableStreak = 0
      void this.health.succeeded().catch(() => undefined)
      return result
    } catch (error) {
      this.limiter.settle(chatId, isGroup, slot, this.ctx.clock.now())
      this.limiter.answered(this.ctx.clock.now())
      const failure = classify(error)
      if (failure.kind === 'rate_limited') {
        this.rateLimitedCount++
        const until = this.ctx.clock.now() + failure.retryAfterS * 1000 + 100
        this.limiter.block(chatId, until)
        this.deferredUntil.set(chatId, until)
        throw new Deferred(until)
      }
      throw error
    }
  }

  /** Sends one part; a file Telegram will not take as media goes as a file, or in words. */
  async sendPart(chatId: number, isGroup: boolean, part: Part): Promise<number> {
    const api = this.bridge.clients?.api
    if (!api) throw new Error('no Telegram bot is connected')
    const markup = (keyboard: Keyboard | null) => (keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {})
    const send = async (withMarkup: object, as: Part['kind'] = part.kind, text = part.html): Promise<number> => {
      if (as === 'text') {
        const message = await this.call(chatId, isGroup, () =>
          api.sendMessage(chatId, text ?? '', {
            parse_mode: 'HTML',
            disable_web_page_preview: true,
            ...withMarkup,
          } as TelegramBotType.SendMessageOptions),
        )
        return message.message_id
      }
      if (as === 'location' && part.location) {
        const { latitude, longitude } = part.location
        const message = await this.call(chatId, isGroup, () =>
          api.sendLocation(chatId, latitude, longitude, withMarkup as TelegramBotType.SendLocationOptions),
        )
        return message.message_id
      }
      const file = await openStoredFile(this.ctx, part.fileId as number)
      const options = {
        ...(part.html ? { caption: part.html, parse_mode: 'HTML' } : {}),
        ...withMarkup,
      } as TelegramBotType.SendPhotoOptions
      let data: Buffer = await fs.promises.readFile(file.path)
      let fileOptions = { filename: file.name || 'file', contentType: file.mime }
      let kind = as
      if (kind === 'voice' && file.mime === 'audio/webm') {
        // Recorded in Chrome or on Android: same Opus audio, in the Ogg file Telegram plays.
        const ogg = webmOpusToOgg(data)
        if (ogg) {
          data = ogg
          fileOptions = {
            filename: `${(file.name || 'voice-note').replace(/\.webm$/i, '')}.ogg`,
            contentType: 'audio/ogg',
          }
        } else kind = 'document'
      }
      const uploader = this.bridge.clients?.uploader ?? api
      const message = await this.call(chatId, isGroup, () => {
        switch (kind) {
          case 'photo':
            return uploader.sendPhoto(chatId, data, options, fileOptions)
          case 'video':
            return uploader.sendVideo(chatId, data, options, fileOptions)
          case 'voice':
            return uploader.sendVoice(chatId, data, options, fileOptions)
          case 'audio':
            return uploader.sendAudio(chatId, data, options, fileOptions)
          default:
            return uploader.sendDocument(chatId, data, options, fileOptions)
        }
      })
      return message.message_id
    }
    try {
      return await this.dropLinksIfRefused(part.keyboard ?? null, (keyboard) => send(markup(keyboard)))
    } catch (error) {
      if (error instanceof Deferred) throw error
      const failure = classify(error)
      // Telegram would not take the file as a photo, video or voice message: as a file, and
      // failing that, in words; the rest of the message still goes.
      if (failure.kind === 'refused' && part.fileId !== undefined) {
        if (part.kind !== 'document') {
          try {
            return await this.dropLinksIfRefused(part.keyboard ?? null, (keyboard) =>
              send(markup(keyboard), 'document'),
            )
          } catch (again) {
            if (again instanceof Deferred || classify(again).kind !== 'refused') throw again
          }
        }
        const note = '📎 A file that Telegram would not take: open it in the app.'
        return this.dropLinksIfRefused(part.keyboard ?? null, (keyboard) =>
          send(markup(keyboard), 'text', part.html ? `${part.html}\n${note}` : note),
        )
      }
      throw error
    }
  }

  /**
   * Sends with `keyboard`; when Telegram refuses one of its link buttons (an app address on
   * the LAN, which Telegram will not link to), sends again with the callback buttons only.
   */
  async dropLinksIfRefused<T>(keyboard: Keyboard | null, send: (keyboard: Keyboard | null) => Promise<T>): Promise<T> {
    try {
      return await send(keyboard)
    } catch (error) {
      if (error instanceof Deferred || !keyboard?.some((row) => row.some((b) => b.url))) throw error
      const failure = classify(error)
      if (failure.kind !== 'refused' || !/url|button/i.test(failure.message)) throw error
      const callbacksOnly = keyboard.map((row) => row.filter((b) => !b.url)).filter((row) => row.length)
      return send(callbacksOnly.length ? callbacksOnly : null)
    }
  }

  /** Edits that Telegram refuses (not modified, too old, gone) are not worth retrying. */
  async tolerate(request: () => Promise<unknown>): Promise<void> {
    try {
      await request()
    } catch (error) {
      if (error instanceof Deferred) throw error
      const failure = classify(error)
      if (failure.kind === 'refused' || failure.kind === 'forbidden') return
      throw error
    }
  }
}
