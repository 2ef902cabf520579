/**
 * The Telegram bridge: the owner connects a bot (token checked with getMe, sealed at rest),
 * staff link their accounts (linking.ts), managers link groups to channels (groups.ts), the
 * poller brings updates in (updates.ts) while the outbox takes mirrored messages out
 * (mirror.ts decides, delivery.ts sends). Features add commands, buttons and renderers
 * through the registry; this file puts the parts together.
 */
import { AppError, badRequest, conflict } from '../shared/errors'
import type { AppContext } from '../shared/context'
import type { IntegrationStatus } from '../shared/ports'
import type { SecretBox } from '../shared/secrets'
import { auditParty, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { TelegramMirror } from '../db/schema'
import type { BotInfo, Bridge } from './bridge'
import { classify, createClients, TOKEN_PATTERN, type BotClients } from './client'
import { Commands } from './commands'
import { Delivery } from './delivery'
import { Groups } from './groups'
import { Linking } from './linking'
import { MessageParts } from './message-parts'
import { Mirror } from './mirror'
import { Poller } from './poller'
import type { TelegramRegistry } from './registry'
import { Replies } from './replies'
import { ChatSender } from './sender'
import { Updates } from './updates'

export { CODE_TTL_MS } from './linking'
export type { BotInfo } from './bridge'
/** After this long without a successful poll, the system page says so in red. */
export const FAILING_AFTER_MS = 10 * 60_000
const TOKEN_SECRET = 'telegram_token'

export interface TelegramOptions {
  /** Long-poll timeout in seconds (Telegram allows up to 50); tests shorten it. */
  pollTimeoutS?: number
}

export class TelegramService implements Bridge {
  clients: BotClients | null = null
  bot: BotInfo | null = null
  isStopping = false
  readonly pollTimeoutS: number
  readonly mirror: Mirror
  readonly linking: Linking
  readonly groups: Groups
  readonly sender: ChatSender
  readonly delivery: Delivery
  readonly updates: Updates
  private readonly commands: Commands
  private readonly poller: Poller

  /**
   * Features have registered their behaviours in `registry` by now; the bridge adds its
   * own after theirs (the command menu lists them in that order).
   */
  constructor(
    readonly ctx: AppContext,
    private readonly secrets: SecretBox,
    readonly registry: TelegramRegistry,
    options: TelegramOptions = {},
  ) {
    this.pollTimeoutS = options.pollTimeoutS ?? 25
    this.mirror = new Mirror(this)
    this.linking = new Linking(this, this.mirror)
    this.groups = new Groups(this, this.mirror, this.linking)
    this.commands = new Commands(this, this.mirror, this.linking)
    const replies = new Replies(this, this.mirror)
    this.updates = new Updates(this, { mirror: this.mirror, commands: this.commands, replies, groups: this.groups })
    this.poller = new Poller(this, {
      pollTimeoutS: this.pollTimeoutS,
      apply: (update) => this.updates.apply(update),
      resetBlocks: () => this.sender.resetBlocks(),
    })
    this.sender = new ChatSender(this, {
      failed: () => this.poller.deliveryFailed(),
      succeeded: () => this.poller.deliverySucceeded(),
    })
    this.delivery = new Delivery(this, this.sender, new MessageParts(this))
    this.commands.registerOwn(registry)
    replies.registerButtons(registry)
  }

  async start(): Promise<void> {
    this.delivery.register()
    this.linking.register()
    this.mirror.register()
    this.ctx.integrations.set('telegram', () => this.integrationStatus())
    this.poller.isRunning = true
    const row = await this.ctx.db
      .selectFrom('secret')
      .select('sealed')
      .where('name', '=', TOKEN_SECRET)
      .executeTakeFirst()
    const bot = await this.ctx.db.selectFrom('telegram_bot').selectAll().executeTakeFirst()
    if (!row || !bot) return
    let token: string
    try {
      token = this.secrets.decrypt(row.sealed)
    } catch {
      this.ctx.log.error('the Telegram bot token cannot be decrypted with DATA_DIR/secret.key; paste it again')
      return
    }
    this.bot = { id: bot.bot_id, username: bot.username, name: bot.name }
    this.clients = await createClients(token, this.ctx.config.telegramApiRoot, this.pollTimeoutS)
    this.poller.start()
    void this.registerCommands()
  }

  async shutdown(): Promise<void> {
    this.isStopping = true
    await this.stop()
  }

  async stop(): Promise<void> {
    this.poller.stop()
  }

  /** Waits for the polling loop to finish its current round (tests). */
  async settled(): Promise<void> {
    await this.poller.settled()
  }

  // The owner's side: connecting a bot.

  async status() {
    const row = await this.ctx.db.selectFrom('telegram_bot').selectAll().executeTakeFirst()
    const linked = await this.ctx.db
      .selectFrom('telegram_link as l')
      .innerJoin('member as m', 'm.id', 'l.member_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('m.status', '=', 'active')
      .executeTakeFirst()
    const integration = this.integrationStatus()
    return {
      isConfigured: this.bot !== null,
      bot: this.bot,
      status: {
        state: integration.state,
        detail: integration.detail,
        lastOkAt: row?.last_ok_at ?? null,
        failingSince: row?.failing_since ?? null,
      },
      linkedMembers: Number(linked?.n ?? 0),
    }
  }

  /** `origin`: where the owner connected from, for "Open in app" buttons when PUBLIC_URL is not set. */
  async connect(actor: Actor, token: string, origin = '') {
    const trimmed = token.trim()
    if (!TOKEN_PATTERN.test(trimmed)) {
      throw badRequest('telegram_token_invalid', 'That does not look like a bot token. Copy it again from @BotFather.')
    }
    const clients = await createClients(trimmed, this.ctx.config.telegramApiRoot, this.pollTimeoutS)
    let me: { id: number; username?: string; first_name: string }
    try {
      me = await clients.api.getMe()
    } catch (error) {
      const failure = classify(error)
      if (failure.kind === 'unauthorized' || failure.kind === 'refused') {
        throw badRequest('telegram_token_invalid', 'Telegram refused this token. Copy it again from @BotFather.')
      }
      throw new AppError(502, 'telegram_unreachable', `Telegram could not be reached (${failure.message}).`)
    }
    const bot: BotInfo = { id: me.id, username: me.username ?? '', name: me.first_name }
    await this.stop()
    await this.ctx.write(async (w) => {
      const previous = await w.trx.selectFrom('telegram_bot').select(['bot_id', 'update_offset']).executeTakeFirst()
      if (previous && previous.bot_id !== bot.id) {
        // Another bot: its chats are not this one's. Staff link again; groups add the new bot.
        await w.trx.deleteFrom('telegram_link').execute()
        await w.trx.deleteFrom('telegram_group').execute()
        await w.trx.deleteFrom('telegram_sent').execute()
      }
      await w.trx.deleteFrom('telegram_bot').execute()
      await w.trx
        .insertInto('telegram_bot')
        .values({
          id: 1,
          bot_id: bot.id,
          username: bot.username,
          name: bot.name,
          connected_at: w.now,
          app_url: /^https?:\/\/[^/\s]+$/.test(origin) ? origin : '',
          // The same bot again: go on where its update stream was.
          update_offset: previous?.bot_id === bot.id ? previous.update_offset : 0,
          last_ok_at: w.now,
        })
        .execute()
      await w.trx
        .insertInto('secret')
        .values({ name: TOKEN_SECRET, sealed: this.secrets.encrypt(trimmed), updated_at: w.now })
        .onConflict((oc) => oc.column('name').doUpdateSet({ sealed: this.secrets.encrypt(trimmed), updated_at: w.now }))
        .execute()
      await recordAudit(w.trx, w.now, {
        action: 'telegram.connected',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { bot: `@${bot.username}` },
      })
    })
    this.bot = bot
    this.clients = clients
    this.poller.restart()
    await this.registerCommands()
    return this.status()
  }

  async disconnect(actor: Actor): Promise<void> {
    await this.stop()
    await this.ctx.write(async (w) => {
      // The bot's row stays (which bot it was, where its updates were): connecting it again
      // resumes; connecting another bot starts over.
      await w.trx.deleteFrom('secret').where('name', '=', TOKEN_SECRET).execute()
      await recordAudit(w.trx, w.now, { action: 'telegram.disconnected', actor: auditParty(actor), ip: actor.ip })
    })
    this.bot = null
    this.clients = null
    this.poller.isRunning = true
  }

  private async registerCommands(): Promise<void> {
    try {
      await this.clients?.api.setMyCommands(this.commands.menu())
    } catch (error) {
      this.ctx.log.warn({ error: classify(error).message }, 'could not register the Telegram commands')
    }
  }

  integrationStatus(): IntegrationStatus {
    if (!this.bot)
      return {
        name: 'Telegram',
        state: 'not_set_up',
        detail: 'No bot connected: connect one on the Telegram page (under More on a phone).',
      }
    const failure = this.poller.failure()
    if (failure) {
      const since = this.ctx.clock.now() - failure.since
      if (since >= FAILING_AFTER_MS) {
        return {
          name: 'Telegram',
          state: 'failing',
          detail: `@${this.bot.username}: Telegram has not answered for ${duration(since)}. Last error: ${failure.lastError}. Mirrored messages wait in the outbox.`,
        }
      }
    }
    return { name: 'Telegram', state: 'ok', detail: `Connected to @${this.bot.username}.` }
  }

  // A member's side and a manager's side, for the routes.

  me(actor: Actor) {
    return this.linking.me(actor)
  }

  async linkCode(actor: Actor) {
    const bot = this.requireBot()
    const { code, expiresAt } = await this.linking.newCode('member', actor.member.id, null)
    return { code, url: `https://t.me/${bot.username}?start=${code}`, expiresAt }
  }

  unlink(actor: Actor): Promise<void> {
    return this.linking.unlink(actor)
  }

  setMirror(actor: Actor, mirror: TelegramMirror) {
    return this.linking.setMirror(actor, mirror)
  }

  groupCode(actor: Actor, conversationId: number) {
    return this.groups.code(actor, conversationId, this.requireBot().username)
  }

  unlinkGroup(actor: Actor, chatId: number): Promise<void> {
    return this.groups.unlink(actor, chatId)
  }

  private requireBot(): BotInfo {
    if (!this.bot) throw conflict('telegram_not_configured', 'The owner has not connected a Telegram bot yet.')
    return this.bot
  }
}

function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`
}
