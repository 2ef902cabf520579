/**
 * The Telegram bridge: the owner connects a bot (token checked with getMe, sealed at rest),
 * staff link their accounts with one-time codes, managers link groups to channels, and a
 * long-polling loop brings updates in (inbound.ts) while the outbox takes mirrored messages
 * out (outbound.ts). The appliance sits behind NAT: polling, never a webhook.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { AppContext } from '../shared/context'
import { AppError, badRequest, conflict, notFound } from '../shared/errors'
import type { SecretBox } from '../shared/secrets'
import { auditParty, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { effectivePermissions } from '../auth/permissions'
import { selectPermissions } from '../auth/repo'
import { requireReadable } from '../conversations/access'
import type { DB, TelegramMirror } from '../db/schema'
import type { IntegrationStatus } from '../system/service'
import { classify, createClients, scrub, TOKEN_PATTERN, type BotClients } from './client'
import { Inbound } from './inbound'
import { Outbound, TELEGRAM_CHANNEL } from './outbound'

export const CODE_TTL_MS = 15 * 60_000
/** After this long without a successful poll, the system page says so in red. */
export const FAILING_AFTER_MS = 10 * 60_000
const TOKEN_SECRET = 'telegram_token'
const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member']

export interface TelegramOptions {
  /** Long-poll timeout in seconds (Telegram allows up to 50); tests shorten it. */
  pollTimeoutS?: number
}

export interface BotInfo {
  id: number
  username: string
  name: string
}

export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex')
}

/** The member behind a Telegram link, as services see a signed-in member; null if not active staff. */
export async function actorFor(db: Kysely<DB>, memberId: number): Promise<Actor | null> {
  const member = await db
    .selectFrom('member')
    .selectAll()
    .where('id', '=', memberId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!member || member.role === 'display') return null
  const grants = (await selectPermissions(db, [member.id])).get(member.id) ?? []
  return { member, permissions: effectivePermissions(member.role, grants), sessionId: 0, ip: 'telegram' }
}

export class TelegramService {
  clients: BotClients | null = null
  bot: BotInfo | null = null
  readonly inbound: Inbound
  readonly outbound: Outbound
  private generation = 0
  private isRunning = false
  private wakeSleep: (() => void) | null = null
  private lastOkWrittenAt = 0
  private isFailing = false
  private loop: Promise<void> | null = null
  readonly pollTimeoutS: number

  constructor(
    readonly ctx: AppContext,
    private readonly secrets: SecretBox,
    options: TelegramOptions = {},
  ) {
    this.pollTimeoutS = options.pollTimeoutS ?? 25
    this.inbound = new Inbound(this)
    this.outbound = new Outbound(this)
  }

  async start(): Promise<void> {
    this.outbound.register()
    this.ctx.integrations.set('telegram', () => this.integrationStatus())
    this.isRunning = true
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
    this.startPolling()
    void this.registerCommands()
  }

  /** Set while the app shuts down: deliveries stop starting new sends. */
  isStopping = false

  async shutdown(): Promise<void> {
    this.isStopping = true
    await this.stop()
  }

  async stop(): Promise<void> {
    this.isRunning = false
    this.generation++
    this.wakeSleep?.()
    // The poll in flight is left to end by itself (its results are dropped, the offset kept).
  }

  /** Waits for the polling loop to finish its current round (tests). */
  async settled(): Promise<void> {
    await this.loop
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
    this.isFailing = false
    this.isRunning = true
    this.startPolling()
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
    this.isRunning = true
  }

  private async registerCommands(): Promise<void> {
    try {
      await this.clients?.api.setMyCommands([
        { command: 'board', description: 'Pinned notices on the board' },
        { command: 'here', description: 'I am in the shop (on shift)' },
        { command: 'away', description: 'I am away: mirror things here' },
        { command: 'mute', description: 'Mute the last conversation for 8 hours (/mute off)' },
        { command: 'help', description: 'What this bot does' },
      ])
    } catch (error) {
      this.ctx.log.warn({ error: classify(error).message }, 'could not register the Telegram commands')
    }
  }

  integrationStatus(): IntegrationStatus {
    if (!this.bot) return { name: 'Telegram', state: 'not_set_up', detail: 'No bot connected (Settings → Telegram).' }
    if (this.isFailing && this.failingSince !== null) {
      const since = this.ctx.clock.now() - this.failingSince
      if (since >= FAILING_AFTER_MS) {
        return {
          name: 'Telegram',
          state: 'failing',
          detail: `@${this.bot.username}: Telegram has not answered for ${duration(since)}. Last error: ${this.lastError}. Mirrored messages wait in the outbox.`,
        }
      }
    }
    return { name: 'Telegram', state: 'ok', detail: `Connected to @${this.bot.username}.` }
  }

  private failingSince: number | null = null
  private lastError = ''

  // Polling.

  private startPolling(): void {
    const generation = ++this.generation
    this.loop = this.pollLoop(generation).catch((error: unknown) => {
      // Not expected (the database went away?): say so, and start again shortly.
      this.ctx.log.error({ error: scrub(String(error)) }, 'the Telegram polling loop stopped; restarting')
      const timer = setTimeout(() => {
        if (this.isCurrent(generation)) this.startPolling()
      }, 5_000)
      timer.unref()
    })
  }

  private isCurrent(generation: number): boolean {
    return this.isRunning && generation === this.generation && this.clients !== null
  }

  private async pollLoop(generation: number): Promise<void> {
    let failures = 0
    const row = await this.ctx.db.selectFrom('telegram_bot').selectAll().executeTakeFirst()
    this.failingSince = row?.failing_since ?? null
    this.isFailing = this.failingSince !== null
    this.lastError = row?.last_error ?? ''
    while (this.isCurrent(generation)) {
      const clients = this.clients as BotClients
      try {
        const offset =
          (await this.ctx.db.selectFrom('telegram_bot').select('update_offset').executeTakeFirst())?.update_offset ?? 0
        const updates = await clients.poller.getUpdates({
          offset,
          // After a failure, a short poll first: it tells at once whether Telegram is back.
          timeout: this.isFailing ? 0 : this.pollTimeoutS,
          limit: 100,
          allowed_updates: JSON.stringify(ALLOWED_UPDATES) as unknown as string[],
        })
        // Stopped or replaced meanwhile: leave these updates to the next poll (the offset is unchanged).
        if (!this.isCurrent(generation)) return
        await this.pollSucceeded()
        failures = 0
        for (const update of updates) {
          if (!this.isCurrent(generation)) return
          await this.inbound.apply(update)
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

  private isDeliveryFailing = false

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
    this.outbound.resetBlocks()
    this.ctx.outbox.wake()
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

  // A member's side: linking, the mirror setting.

  async me(actor: Actor) {
    const link = await this.ctx.db
      .selectFrom('telegram_link')
      .selectAll()
      .where('member_id', '=', actor.member.id)
      .executeTakeFirst()
    const member = await this.ctx.db
      .selectFrom('member')
      .select('telegram_mirror')
      .where('id', '=', actor.member.id)
      .executeTakeFirstOrThrow()
    return {
      isAvailable: this.bot !== null,
      botUsername: this.bot?.username ?? null,
      link: link
        ? { telegramName: link.telegram_name, telegramUsername: link.telegram_username, linkedAt: link.linked_at }
        : null,
      mirror: member.telegram_mirror,
    }
  }

  private requireBot(): BotInfo {
    if (!this.bot) throw conflict('telegram_not_configured', 'The owner has not connected a Telegram bot yet.')
    return this.bot
  }

  private async newCode(
    kind: 'member' | 'group',
    memberId: number,
    conversationId: number | null,
  ): Promise<{ code: string; expiresAt: number }> {
    // 24 characters from [A-Za-z0-9_-]: what a t.me start parameter allows (at most 64).
    const code = randomBytes(18).toString('base64url')
    const expiresAt = this.ctx.clock.now() + CODE_TTL_MS
    await this.ctx.write(async (w) => {
      await w.trx.deleteFrom('telegram_code').where('expires_at', '<', w.now).execute()
      await w.trx.deleteFrom('telegram_code').where('member_id', '=', memberId).where('kind', '=', kind).execute()
      await w.trx
        .insertInto('telegram_code')
        .values({
          code_hash: hashCode(code),
          kind,
          member_id: memberId,
          conversation_id: conversationId,
          created_at: w.now,
          expires_at: expiresAt,
        })
        .execute()
    })
    return { code, expiresAt }
  }

  async linkCode(actor: Actor) {
    const bot = this.requireBot()
    const { code, expiresAt } = await this.newCode('member', actor.member.id, null)
    return { code, url: `https://t.me/${bot.username}?start=${code}`, expiresAt }
  }

  async unlink(actor: Actor): Promise<void> {
    await this.ctx.write(async (w) => {
      const link = await w.trx
        .selectFrom('telegram_link')
        .selectAll()
        .where('member_id', '=', actor.member.id)
        .executeTakeFirst()
      if (!link) throw notFound('telegram_not_linked', 'Your account is not linked to Telegram.')
      await this.removeLink(w, actor.member.id, 'app')
      if (this.bot) {
        await this.outbound.queueReply(
          w,
          link.telegram_user_id,
          `unlink:${actor.member.id}:${w.now}`,
          'This Telegram account is no longer linked to Backboard. You will not get messages here any more.',
        )
      }
    })
  }

  /** Removes a member's link in a write (from the app, from Telegram, or on deactivation). */
  async removeLink(w: Parameters<Parameters<AppContext['write']>[0]>[0], memberId: number, from: string) {
    const link = await w.trx
      .selectFrom('telegram_link')
      .selectAll()
      .where('member_id', '=', memberId)
      .executeTakeFirst()
    if (!link) return
    await w.trx.deleteFrom('telegram_link').where('member_id', '=', memberId).execute()
    await w.trx.deleteFrom('telegram_action').where('member_id', '=', memberId).execute()
    const member = await w.trx
      .selectFrom('member')
      .select(['id', 'display_name', 'username'])
      .where('id', '=', memberId)
      .executeTakeFirst()
    await recordAudit(w.trx, w.now, {
      action: 'telegram.unlinked',
      actor: member ? { id: member.id, name: `${member.display_name} (@${member.username})` } : null,
      ip: from,
      detail: { telegram: link.telegram_username ? `@${link.telegram_username}` : link.telegram_name },
    })
    w.emit('telegram.link_changed', { kind: 'member', id: memberId }, { memberId, isLinked: false })
    w.emit('directory.changed', { kind: 'shop' }, { memberId })
  }

  async setMirror(actor: Actor, mirror: TelegramMirror) {
    await this.ctx.db.updateTable('member').set({ telegram_mirror: mirror }).where('id', '=', actor.member.id).execute()
    return this.me(actor)
  }

  // A manager's side: groups.

  async groups() {
    const rows = await this.ctx.db
      .selectFrom('telegram_group as g')
      .innerJoin('conversation as c', 'c.id', 'g.conversation_id')
      .leftJoin('member as m', 'm.id', 'g.linked_by')
      .select(['g.chat_id', 'g.title', 'g.linked_at', 'c.id as conversation_id', 'c.name', 'm.display_name'])
      .orderBy('g.linked_at', 'desc')
      .execute()
    return {
      groups: rows.map((row) => ({
        chatId: row.chat_id,
        title: row.title,
        conversation: { id: row.conversation_id, name: row.name },
        linkedAt: row.linked_at,
        linkedBy: row.display_name ?? '',
      })),
    }
  }

  async groupCode(actor: Actor, conversationId: number) {
    const bot = this.requireBot()
    const conversation = await this.ctx.db
      .selectFrom('conversation')
      .select(['id', 'kind', 'archived_at'])
      .where('id', '=', conversationId)
      .executeTakeFirst()
    if (!conversation) throw notFound('conversation_not_found', 'No such conversation.')
    // Only a channel the manager can read: linking shares everything in it with the group.
    await requireReadable(this.ctx.db, actor, conversationId)
    if (conversation.kind !== 'channel' || conversation.archived_at !== null) {
      throw badRequest(
        'telegram_group_conversation',
        'Only an open or private channel can be linked to a Telegram group (not the board or direct chats).',
      )
    }
    const { code, expiresAt } = await this.newCode('group', actor.member.id, conversationId)
    return { code, command: `/link ${code}`, url: `https://t.me/${bot.username}?startgroup=${code}`, expiresAt }
  }

  async unlinkGroup(actor: Actor, chatId: number): Promise<void> {
    await this.ctx.write(async (w) => {
      const group = await w.trx
        .selectFrom('telegram_group')
        .selectAll()
        .where('chat_id', '=', chatId)
        .executeTakeFirst()
      if (!group) throw notFound('telegram_group_not_found', 'No such linked group.')
      await w.trx.deleteFrom('telegram_group').where('chat_id', '=', chatId).execute()
      await recordAudit(w.trx, w.now, {
        action: 'telegram.group_unlinked',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { group: group.title },
      })
      w.emit('telegram.group_changed', { kind: 'managers' }, { chatId, conversationId: null })
      if (this.bot) {
        await this.outbound.queueReply(
          w,
          chatId,
          `group-unlink:${chatId}:${w.now}`,
          'This group is no longer linked to Backboard.',
          true,
        )
      }
    })
  }
}

function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`
}
