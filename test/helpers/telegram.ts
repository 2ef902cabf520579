/**
 * The real app wired to the Telegram fake on loopback: a bot connected by the owner, short
 * long-polls, and a clock that runs (Telegram's limits are about real seconds).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { buildApp, type BuildOptions } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import type { App } from '../../server/shared/app-types'
import type { AppContext } from '../../server/shared/context'
import { bodyOf, setupOwner, type SignedInMember } from './app'
import { as, eventually } from './chat'
import { startTelegramFake, type TelegramFake, type TelegramFakeOptions, type UserHandle } from './telegram-fake'

export const BOT_TOKEN = '7000001:AAHbackboardTestTokenForTheFakeBotApi_x'
export const BOT_USERNAME = 'corner_shop_bot'

/** Real time, which tests can still move forward (for reminders, expiry). */
export class RunningClock extends ManualClock {
  private offset = 0
  constructor() {
    super(Date.now())
  }
  override now(): number {
    return Date.now() + this.offset
  }
  override advance(ms: number): void {
    this.offset += ms
  }
  override set(time: number): void {
    this.offset = time - Date.now()
  }
}

export interface TelegramApp {
  app: App
  ctx: AppContext
  fake: TelegramFake
  owner: SignedInMember
  dataDir: string
  clock: RunningClock
  /** Closes the app only (the data folder and the fake stay), to start it again. */
  restart(): Promise<void>
  /** Closes the app only, so another process can run on the same data folder; `start` opens it again. */
  stop(): Promise<void>
  start(): Promise<void>
}

export interface TelegramAppOptions {
  fake?: Partial<TelegramFakeOptions>
  /** Leave the bot unconnected. */
  isUnconnected?: boolean
  jobIntervalMs?: number
  /** PUBLIC_URL, the app's address in "Open in app" buttons. */
  publicUrl?: string
  /** Telegram behaviours of a test feature, registered through the bridge's registry. */
  telegramBehaviours?: BuildOptions['telegramBehaviours']
}

async function build(dataDir: string, fake: TelegramFake, clock: RunningClock, options: TelegramAppOptions) {
  const { jobIntervalMs, telegramBehaviours } = options
  const config = loadConfig({
    DATA_DIR: dataDir,
    TELEGRAM_API_ROOT: fake.apiRoot,
    PUBLIC_URL: options.publicUrl ?? 'https://shop.example.org',
  })
  const built = await buildApp({
    config,
    clock,
    logger: false,
    webRoot: null,
    telegramPollTimeoutS: 1,
    outboxPollMs: 100,
    ...(jobIntervalMs === undefined ? {} : { jobIntervalMs }),
    ...(telegramBehaviours === undefined ? {} : { telegramBehaviours }),
  })
  await built.app.ready()
  return built
}

export async function startTelegramApp(t: Test, options: TelegramAppOptions = {}): Promise<TelegramApp> {
  const clock = new RunningClock()
  // The fake keeps Telegram's time windows on the app's clock, so a test can skip ahead.
  const fake = await startTelegramFake({
    token: BOT_TOKEN,
    botUsername: BOT_USERNAME,
    botFirstName: 'Corner Shop',
    now: () => clock.now(),
    ...options.fake,
  })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-telegram-'))
  let built = await build(dataDir, fake, clock, options)
  let isOpen = true
  const owner = await setupOwner(built.app)
  const state: TelegramApp = {
    app: built.app,
    ctx: built.ctx,
    fake,
    owner,
    dataDir,
    clock,
    stop: async () => {
      if (!isOpen) return
      isOpen = false
      await state.app.close()
    },
    start: async () => {
      if (isOpen) return
      built = await build(dataDir, fake, clock, options)
      state.app = built.app
      state.ctx = built.ctx
      isOpen = true
    },
    restart: async () => {
      await state.stop()
      await state.start()
    },
  }
  t.teardown(async () => {
    await state.stop()
    await fake.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
    // Telegram's published limits hold in every test, enforced or not (a throw here fails the test).
    if (fake.violations.length > 0)
      throw new Error(`Telegram saw rate-limit violations: ${JSON.stringify(fake.violations)}`)
  })
  if (!options.isUnconnected) {
    const connected = await as(state.app, owner, 'PUT', '/api/telegram/bot', { token: BOT_TOKEN })
    if (connected.statusCode !== 200) throw new Error(`connect failed: ${connected.statusCode} ${connected.body}`)
  }
  return state
}

/** Links `member` to the Telegram user `handle` the way a person does: code in the app, /start in Telegram. */
export async function link(tg: TelegramApp, member: SignedInMember, handle: UserHandle): Promise<void> {
  const response = await as(tg.app, member, 'POST', '/api/telegram/me/link-code', {})
  if (response.statusCode !== 200) throw new Error(`link code failed: ${response.statusCode} ${response.body}`)
  handle.start(bodyOf<{ code: string }>(response).code)
  await until(
    'the link to be confirmed',
    async () => {
      const me = await as(tg.app, member, 'GET', '/api/telegram/me')
      return bodyOf<{ link: unknown }>(me).link !== null
    },
    8000,
  )
  // And the bot's confirmation has reached the chat, so tests count from a settled state.
  await outboxDrained(tg.ctx)
}

/** Waits for `check` (failing the test, naming `what`, after `timeoutMs`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  await eventually(check, timeoutMs, 20, what)
}

/** Waits until the bot has sent `count` messages to a chat (not deleted); returns them. */
export async function botMessagesIn(fake: TelegramFake, chatId: number, count: number, timeoutMs = 8000) {
  await eventually(
    () => fake.botMessages(chatId).length >= count,
    timeoutMs,
    20,
    `${count} bot messages in chat ${chatId} (there are ${fake.botMessages(chatId).length})`,
  )
  return fake.botMessages(chatId)
}

/** Waits until nothing of the telegram channel is pending or in flight (failing the test after `timeoutMs`). */
export async function outboxDrained(ctx: AppContext, timeoutMs = 15000): Promise<void> {
  await eventually(
    async () => {
      const row = await ctx.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channel', '=', 'telegram')
        .where('state', 'in', ['pending', 'sending'])
        .executeTakeFirst()
      return Number(row?.n ?? 0) === 0
    },
    timeoutMs,
    50,
    'the Telegram outbox to drain',
  )
}

/** The update position the app stored: the next update_id it will ask Telegram for. */
export async function storedOffset(ctx: AppContext): Promise<number> {
  return (await ctx.db.selectFrom('telegram_bot').select('update_offset').executeTakeFirstOrThrow()).update_offset
}

/**
 * Waits until the app has applied the update `updateId`: the stored offset is past it. An
 * update's effects (messages, events, outbox rows) commit in the same transaction.
 */
export async function applied(ctx: AppContext, updateId: number, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => (await storedOffset(ctx)) > updateId, timeoutMs, 20, `update ${updateId} to be applied`)
}

/** Outbox rows of the telegram channel addressed to a chat (sends and replies), optionally only after `afterId`. */
export async function outboxRowsFor(ctx: AppContext, chatId: number, afterId = 0) {
  const rows = await ctx.db
    .selectFrom('outbox')
    .select(['id', 'idempotency_key', 'payload', 'state'])
    .where('channel', '=', 'telegram')
    .where('id', '>', afterId)
    .orderBy('id')
    .execute()
  return rows
    .map((row) => ({ ...row, payload: JSON.parse(row.payload) as { op: string; chatId?: number; messageId?: number } }))
    .filter((row) => row.payload.chatId === chatId)
}

/** The id of the newest outbox row, to look only at what is queued after it. */
export async function lastOutboxId(ctx: AppContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

/** Marks a member away (the mirror's default rule) through the API, like the app's status menu. */
export async function setAway(app: App, member: SignedInMember): Promise<void> {
  const response = await as(app, member, 'PUT', '/api/me/status', { shiftStatus: 'away', untilMinutes: null })
  if (response.statusCode !== 200) throw new Error(`away failed: ${response.statusCode} ${response.body}`)
}
