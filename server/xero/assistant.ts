/**
 * The Xero assistant: questions in, cards out. One service for every surface — the API's
 * ask, a message in a member's own Xero conversation, `@xero` in any conversation, `/xero`
 * in Telegram — so the permission (`xero.read`), the audit line and the card are the same
 * whichever way a question came. Answers are kept as cards in Backboard's own database;
 * sharing posts a snapshot, refreshing asks again and replaces the snapshots.
 */
import { randomUUID } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import type { CardDraftView, MessageView, PersonRef, StoredEvent } from '../shared/events'
import type { CardBody } from '../shared/card-body'
import type { Member, XeroCardTable, XeroQuestionTable } from '../db/schema'
import type { ConversationRow } from '../conversations/views'
import { AppError, badRequest, forbidden, notFound } from '../shared/errors'
import { auditParty, can, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { assertCanPost, requireReadable } from '../conversations/access'
import { insertOwnedConversation } from '../conversations/service'
import { insertMessage, reindexAndEmit } from '../conversations/messages-service'
import { actorFor } from '../telegram/linking'
import { cardHasPersonalDetails, redact } from './card'
import { cardText, draftView, parseBody } from './cards'
import type { XeroClient } from './client'
import type { XeroConnection } from './connection'
import { answerQuestion, parseQuestion, questionText, type QuestionContext } from './questions'

type CardRow = Selectable<XeroCardTable>

/** What the asker gets back: the card as they may see it (nothing hidden). */
export interface XeroCardView {
  id: number
  question: string
  topic: string
  body: CardBody
  organisation: string
  asOf: number
  askedBy: PersonRef | null
  hasPersonalDetails: boolean
  draft: CardDraftView | null
}

/** A card built from Xero, before it is stored. */
export interface BuiltCard {
  question: string
  body: CardBody
  organisation: string
  tenantId: string
}

/**
 * What a write (a draft invoice or bill) adds: it builds its own preview card, and the draft
 * fields of the stored card. drafts.ts registers one.
 */
export interface DraftPlugin {
  /**
   * A draft asked for in words ("invoice Acme 2 x Widget at 15"): its preview, or a pick-list
   * when the name fits several contacts; null when the text is not a draft.
   */
  fromText(actor: Actor, text: string): Promise<(BuiltCard & { draft?: NewDraft }) | null>
  /** Creates the card's draft in Xero, once however often it is asked. */
  confirm(actor: Actor, cardId: number): Promise<XeroCardView>
}

export interface NewDraft {
  kind: 'invoice' | 'bill'
  payload: unknown
  fileId: number | null
}

/** The ways a question reaches the assistant, for the audit line. */
export type AskSurface = 'api' | 'conversation' | 'mention' | 'telegram'

const MENTION = /^\s*@xero\b[\s:,]*/i

export const xeroForbidden = () => forbidden('xero_forbidden', 'Only members who may read Xero can do that.')
const cardNotFound = () => notFound('card_not_found', 'No such Xero card.')

export class XeroAssistant {
  /** Set by drafts.ts: turns "invoice Acme 2 x Widget at 15" into a preview. */
  drafts: DraftPlugin | null = null
  private draining: Promise<void> | null = null
  private drainAgain = false
  private stopped = false

  constructor(
    private readonly ctx: AppContext,
    private readonly connection: XeroConnection,
    readonly client: XeroClient,
  ) {}

  /** Refuses (and audits the refusal of) a member without `xero.read`. */
  async requireRead(actor: Actor, what: string): Promise<void> {
    if (can(actor, 'xero.read')) return
    await this.deny(actor, what)
    throw xeroForbidden()
  }

  async deny(actor: Actor, what: string): Promise<void> {
    await this.ctx.write(async (w) => {
      await recordAudit(w.trx, w.now, {
        action: 'xero.denied',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { what },
      })
    })
  }

  /** What every question needs: a connected organisation and the shop's time zone. */
  async questionContext(): Promise<QuestionContext & { tenantId: string }> {
    const view = await this.connection.view()
    if (view.state === 'disconnected' || view.state === 'choose_tenant' || !view.organisation) {
      throw new AppError(409, 'xero_not_connected', 'Xero is not connected yet; the owner connects it on More → Xero.')
    }
    if (view.state === 'reconnect') {
      throw new AppError(
        409,
        'xero_reconnect',
        'Xero needs to be connected again: the owner reconnects it on More → Xero.',
      )
    }
    const shop = await this.ctx.db.selectFrom('shop').select('timezone').executeTakeFirst()
    return {
      reader: this.client,
      now: this.ctx.clock.now(),
      timezone: shop?.timezone ?? 'UTC',
      organisation: view.organisation.name,
      scopes: view.scopes,
      tenantId: view.organisation.id,
    }
  }

  /** Asks Xero; the card is not stored yet. */
  async build(actor: Actor, text: string): Promise<BuiltCard & { draft?: NewDraft }> {
    const asked = text.replace(MENTION, '').trim()
    if (asked === '') throw badRequest('empty_question', 'Ask something, e.g. “invoice INV-0042” or “help”.')
    if (asked.length > 500) throw badRequest('question_too_long', 'Keep the question under 500 characters.')
    const draft = this.drafts ? await this.drafts.fromText(actor, asked) : null
    if (draft) return draft
    const context = await this.questionContext()
    const question = parseQuestion(asked)
    const body = await answerQuestion(question, context)
    return { question: questionText(question), body, organisation: context.organisation, tenantId: context.tenantId }
  }

  /**
   * POST /api/xero/ask: the answer as a card, also kept in the asker's Xero conversation
   * (their question, then the card) so the chat shows what they asked from anywhere.
   */
  async ask(actor: Actor, text: string, surface: AskSurface = 'api'): Promise<XeroCardView> {
    await this.requireRead(actor, 'ask')
    const built = await this.build(actor, text)
    return this.ctx.write(async (w) => {
      const conversation = await this.ownConversation(w, actor)
      const asked = await insertMessage(this.ctx, w, {
        conversation,
        author: actor.member,
        kind: 'text',
        body: text.trim().slice(0, 500),
        clientKey: null,
      })
      // Answered here and now: the watcher must not take the line as a question again.
      await w.trx
        .insertInto('xero_question')
        .values({
          message_id: asked.id,
          member_id: actor.member.id,
          text: asked.body,
          created_at: w.now,
          answered_at: w.now,
        })
        .execute()
      const card = await this.storeCard(w, actor, built, surface)
      await this.postCard(w, card, conversation, null, true)
      return this.view(card, actor.member)
    })
  }

  /** The member's private conversation with Xero, made on first use. */
  async conversationOf(actor: Actor): Promise<number> {
    await this.requireRead(actor, 'conversation')
    const existing = await this.findOwnConversation(actor.member.id)
    if (existing) return existing.id
    return this.ctx.write(async (w) => (await this.ownConversation(w, actor)).id)
  }

  async getCard(actor: Actor, id: number): Promise<XeroCardView> {
    await this.requireRead(actor, 'card')
    const card = await this.ctx.db.selectFrom('xero_card').selectAll().where('id', '=', id).executeTakeFirst()
    if (!card) throw cardNotFound()
    return this.view(card, await this.person(card.member_id))
  }

  /**
   * Posts a snapshot of the card into a conversation the sharer can write in. Personal
   * details are hidden unless the sharer includes them.
   */
  async share(
    actor: Actor,
    id: number,
    conversationId: number,
    includePersonal: boolean,
  ): Promise<{ messageId: number; message: MessageView }> {
    await this.requireRead(actor, 'share')
    return this.ctx.write(async (w) => {
      const card = await w.trx.selectFrom('xero_card').selectAll().where('id', '=', id).executeTakeFirst()
      if (!card) throw cardNotFound()
      const conversation = await requireReadable(w.trx, actor, conversationId)
      assertCanPost(actor, conversation, false)
      if (conversation.kind === 'xero') {
        throw badRequest('share_to_own', 'Share a card into a channel or a conversation with colleagues.')
      }
      const message = await this.postCard(w, card, conversation, actor, includePersonal)
      await recordAudit(w.trx, w.now, {
        action: 'xero.shared',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { cardId: card.id, topic: card.topic, conversationId, includePersonal },
      })
      return { messageId: message.id, message }
    })
  }

  /** Asks the card's question again; every shared snapshot of it follows. */
  async refresh(actor: Actor, id: number): Promise<XeroCardView> {
    await this.requireRead(actor, 'refresh')
    const card = await this.ctx.db.selectFrom('xero_card').selectAll().where('id', '=', id).executeTakeFirst()
    if (!card) throw cardNotFound()
    if (card.draft_kind !== null) throw badRequest('draft_not_refreshable', 'A draft is not refreshed; ask again.')
    const context = await this.questionContext()
    const body = await answerQuestion(parseQuestion(card.question), context)
    return this.ctx.write(async (w) => {
      await w.trx
        .updateTable('xero_card')
        .set({ body: JSON.stringify(body), as_of: w.now, organisation: context.organisation })
        .where('id', '=', id)
        .execute()
      await this.replaceSnapshots(w, id, body)
      await recordAudit(w.trx, w.now, {
        action: 'xero.refreshed',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { cardId: id, topic: card.topic },
      })
      const fresh = await w.trx.selectFrom('xero_card').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      return this.view(fresh, await this.person(fresh.member_id, w.trx))
    })
  }

  /** Stores an answer (or a draft's preview) and audits the question, not the figures. */
  async storeCard(
    w: WriteContext,
    actor: Actor,
    built: BuiltCard & { draft?: NewDraft },
    surface: AskSurface,
  ): Promise<CardRow> {
    const card = await w.trx
      .insertInto('xero_card')
      .values({
        member_id: actor.member.id,
        question: built.question,
        topic: built.body.topic,
        body: JSON.stringify(built.body),
        organisation: built.organisation,
        tenant_id: built.tenantId,
        as_of: w.now,
        created_at: w.now,
        draft_kind: built.draft?.kind ?? null,
        draft_state: built.draft ? 'preview' : null,
        draft_payload: built.draft ? JSON.stringify(built.draft.payload) : null,
        draft_file_id: built.draft?.fileId ?? null,
        draft_key: built.draft ? randomUUID() : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(w.trx, w.now, {
      action: built.draft ? 'xero.draft_previewed' : 'xero.asked',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { cardId: card.id, topic: card.topic, question: built.question, surface },
    })
    return card
  }

  /**
   * Posts a card as a message: the private answer (no sharer, personal details included), a
   * shared snapshot, or what the shop announces (no sharer, personal details hidden).
   */
  async postCard(
    w: WriteContext,
    card: CardRow,
    conversation: ConversationRow,
    sharer: Actor | null,
    includePersonal: boolean,
  ): Promise<MessageView> {
    const body = parseBody(card.body)
    const snapshot = includePersonal ? body : redact(body)
    return insertMessage(this.ctx, w, {
      conversation,
      author: sharer?.member ?? null,
      kind: 'card',
      body: cardText(snapshot),
      clientKey: null,
      beforeEmit: async (messageId) => {
        await w.trx
          .insertInto('card_message')
          .values({
            message_id: messageId,
            card_id: card.id,
            shared_by: sharer?.member.id ?? null,
            shared_at: sharer ? w.now : null,
            include_personal: includePersonal ? 1 : 0,
            body: JSON.stringify(snapshot),
            as_of: card.as_of,
          })
          .execute()
      },
    })
  }

  /**
   * Replaces every posted snapshot of a card with `body` (hidden details stay hidden), and
   * tells the conversations: a refresh, a draft created in Xero.
   */
  async replaceSnapshots(w: WriteContext, cardId: number, body: CardBody): Promise<void> {
    const shares = await w.trx
      .selectFrom('card_message')
      .select(['message_id', 'include_personal'])
      .where('card_id', '=', cardId)
      .execute()
    for (const share of shares) {
      const snapshot = share.include_personal === 1 ? body : redact(body)
      await w.trx
        .updateTable('card_message')
        .set({ body: JSON.stringify(snapshot), as_of: w.now })
        .where('message_id', '=', share.message_id)
        .execute()
      const message = await w.trx
        .updateTable('message')
        .set({ body: cardText(snapshot) })
        .where('id', '=', share.message_id)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst()
      if (message) await reindexAndEmit(this.ctx, w, message)
    }
  }

  /**
   * A card nobody asked for (an alert, the daily digest), posted by the shop into a
   * conversation with personal details hidden.
   */
  async announce(w: WriteContext, built: BuiltCard, conversation: ConversationRow): Promise<MessageView> {
    const card = await w.trx
      .insertInto('xero_card')
      .values({
        member_id: null,
        question: built.question,
        topic: built.body.topic,
        body: JSON.stringify(built.body),
        organisation: built.organisation,
        tenant_id: built.tenantId,
        as_of: w.now,
        created_at: w.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return this.postCard(w, card, conversation, null, false)
  }

  view(card: CardRow, askedBy: PersonRef | Pick<Member, 'id' | 'username' | 'display_name'> | null): XeroCardView {
    const body = parseBody(card.body)
    const person: PersonRef | null =
      askedBy === null
        ? null
        : 'displayName' in askedBy
          ? askedBy
          : { id: askedBy.id, username: askedBy.username, displayName: askedBy.display_name }
    return {
      id: card.id,
      question: card.question,
      topic: card.topic,
      body,
      organisation: card.organisation,
      asOf: card.as_of,
      askedBy: person,
      hasPersonalDetails: cardHasPersonalDetails(body),
      draft: draftView(card),
    }
  }

  private async person(memberId: number | null, db = this.ctx.db): Promise<PersonRef | null> {
    if (memberId === null) return null
    const row = await db
      .selectFrom('member')
      .select(['id', 'username', 'display_name'])
      .where('id', '=', memberId)
      .executeTakeFirst()
    return row ? { id: row.id, username: row.username, displayName: row.display_name } : null
  }

  private findOwnConversation(memberId: number, db = this.ctx.db) {
    return db
      .selectFrom('conversation as c')
      .innerJoin('conversation_member as cm', 'cm.conversation_id', 'c.id')
      .selectAll('c')
      .where('c.kind', '=', 'xero')
      .where('cm.member_id', '=', memberId)
      .executeTakeFirst()
  }

  /** The member's private conversation with Xero, made on first use, in the caller's write. */
  async ownConversation(w: WriteContext, actor: Actor): Promise<ConversationRow> {
    const existing = await this.findOwnConversation(actor.member.id, w.trx)
    if (existing) return existing
    return insertOwnedConversation(w, {
      kind: 'xero',
      name: 'Xero',
      topic: 'Ask Xero about invoices, contacts, bills and balances.',
      memberIds: [actor.member.id],
    })
  }

  // --- questions asked in conversations, answered after the commit that stored them ---

  /**
   * Watches new messages: any text in a member's own Xero conversation, and a message that
   * starts with "@xero" anywhere else from a member who may read Xero, is kept as a pending
   * question in the same transaction, then answered after the commit (and at the next start
   * if the process stopped first).
   */
  watch(): void {
    this.ctx.write.onStored(async (w, events) => {
      let queued = false
      for (const event of events) {
        if (event.type !== 'message.created') continue
        const { message } = (event as StoredEvent<'message.created'>).data
        if (message.kind !== 'text' || message.author === null || message.deletedAt !== null) continue
        const conversation = await w.trx
          .selectFrom('conversation')
          .select(['kind'])
          .where('id', '=', message.conversationId)
          .executeTakeFirst()
        if (!conversation) continue
        const isOwn = conversation.kind === 'xero'
        if (!isOwn && !MENTION.test(message.body)) continue
        // ask() stores its own question line as answered: the conflict leaves it so.
        await w.trx
          .insertInto('xero_question')
          .values({ message_id: message.id, member_id: message.author.id, text: message.body, created_at: w.now })
          .onConflict((oc) => oc.doNothing())
          .execute()
        queued = true
      }
      if (queued) w.afterCommit(() => this.kick())
    })
  }

  /** Answers what is pending; called after commits, and by resume() at start. */
  kick(): void {
    if (this.stopped) return
    if (this.draining) {
      this.drainAgain = true
      return
    }
    this.draining = this.drain().finally(() => {
      this.draining = null
      if (this.drainAgain) {
        this.drainAgain = false
        this.kick()
      }
    })
  }

  /**
   * At start: answers the questions a stop left unanswered. Looked for synchronously first:
   * starting the answering loop for nothing kept about 10 MB more resident in an idle server.
   */
  resume(): void {
    const pending = this.ctx.sqlite.prepare('SELECT 1 FROM xero_question WHERE answered_at IS NULL LIMIT 1')
    if (pending.get()) this.kick()
  }

  /** Waits for pending answers (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining
  }

  stop(): void {
    this.stopped = true
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return
      const pending = await this.ctx.db
        .selectFrom('xero_question')
        .selectAll()
        .where('answered_at', 'is', null)
        .orderBy('created_at')
        .orderBy('message_id')
        .limit(1)
        .executeTakeFirst()
      if (!pending) return
      try {
        await this.answerPending(pending)
      } catch (error) {
        this.ctx.log.error({ err: error, messageId: pending.message_id }, 'a Xero question could not be answered')
        await this.ctx.write(async (w) => {
          await w.trx
            .updateTable('xero_question')
            .set({ answered_at: w.now })
            .where('message_id', '=', pending.message_id)
            .execute()
        })
      }
    }
  }

  private async answerPending(pending: Selectable<XeroQuestionTable>): Promise<void> {
    const message = await this.ctx.db
      .selectFrom('message')
      .select(['conversation_id', 'deleted_at'])
      .where('id', '=', pending.message_id)
      .executeTakeFirst()
    const actor = await actorFor(this.ctx.db, pending.member_id)
    const markAnswered = (w: WriteContext) =>
      w.trx
        .updateTable('xero_question')
        .set({ answered_at: w.now })
        .where('message_id', '=', pending.message_id)
        .execute()
    if (!message || message.deleted_at !== null || !actor) {
      await this.ctx.write(markAnswered)
      return
    }
    const conversation = await this.ctx.db
      .selectFrom('conversation')
      .selectAll()
      .where('id', '=', message.conversation_id)
      .executeTakeFirstOrThrow()
    const isOwn = conversation.kind === 'xero'
    if (!can(actor, 'xero.read')) {
      // "@xero" from someone who may not ask: nothing is answered, the refusal is audited.
      if (isOwn || MENTION.test(pending.text)) await this.deny(actor, 'ask')
      await this.ctx.write(markAnswered)
      return
    }
    let built: (BuiltCard & { draft?: NewDraft }) | null = null
    let failure: AppError | null = null
    try {
      built = await this.build(actor, pending.text)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      failure = error
    }
    await this.ctx.write(async (w) => {
      const fresh = await w.trx
        .selectFrom('xero_question')
        .select('answered_at')
        .where('message_id', '=', pending.message_id)
        .executeTakeFirst()
      if (!fresh || fresh.answered_at !== null) return
      await markAnswered(w)
      const surface: AskSurface = isOwn ? 'conversation' : 'mention'
      const card = await this.storeCard(w, actor, built ?? this.failureCard(failure!, pending.text), surface)
      // In the asker's own conversation the answer is private; elsewhere it is shared by them.
      await this.postCard(w, card, conversation, isOwn ? null : actor, isOwn)
    })
  }

  /** Xero could not answer (busy, not connected): the asker sees why, as a card. */
  private failureCard(error: AppError, text: string): BuiltCard {
    return {
      question: text.replace(MENTION, '').trim().slice(0, 500),
      organisation: '',
      tenantId: '',
      body: {
        topic: 'help',
        title: 'Xero could not answer',
        subtitle: '',
        figures: [],
        table: null,
        records: [],
        choices: [],
        note: error.message,
        xeroUrl: null,
      },
    }
  }
}
