/**
 * Customer conversations, the staff side: the inbox, a customer's record, status, assignee,
 * tags, colleagues, block, erase and the settings. Who may answer customers are the members
 * with `customers.answer`; they, and nobody else, are members of every customer
 * conversation, so events, search, unread counts and pushes follow the usual membership rules.
 */
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import type { PersonRef } from '../shared/events'
import { badRequest, forbidden, notFound } from '../shared/errors'
import { auditParty, can, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { requireReadable } from '../conversations/access'
import { insertMessage } from '../conversations/messages-service'
import { setOwnedMembership, updateOwnedConversation } from '../conversations/service'
import { lastMessageOf, type LastMessage } from '../conversations/preview'
import { hydrateMessages, type ConversationRow } from '../conversations/views'
import { assertHours, parseHours, type BusinessHours } from './hours'
import { customerName, referenceOf } from './names'
import * as repo from './repo'
import { emitCustomerChanged } from './events'

export type CustomerStatus = 'open' | 'waiting' | 'solved'
export type CustomerFilter = 'open' | 'mine' | 'unassigned' | 'waiting' | 'solved' | 'all'

export interface CustomerView {
  conversationId: number
  reference: string
  name: string
  username: string
  language: string
  phone: string
  source: string
  tags: string[]
  status: CustomerStatus
  assignee: PersonRef | null
  participants: PersonRef[]
  episode: number
  firstContactAt: number
  lastContactAt: number
  isBlocked: boolean
  /** The customer blocked the bot: nothing more reaches them. */
  isUnreachable: boolean
  /** They wrote faster than the limit recently: their messages are held without notifying anyone. */
  isThrottled: boolean
  isErased: boolean
  satisfaction: 'up' | 'down' | null
  /** The Xero contact the shop linked them to (their /balance); null for none. */
  xeroContact: { id: string; name: string } | null
}

export interface CustomerListItem extends CustomerView {
  unreadCount: number
  lastMessage: LastMessage | null
  lastMessageAt: number | null
}

const THROTTLE_SHOWN_MS = 10 * 60_000

export function assertAnswerer(actor: Actor): void {
  if (!can(actor, 'customers.answer'))
    throw forbidden('customers_answer_required', 'Only members allowed to answer customers can do that.')
}

/** The customer conversation, for a member who may answer customers. */
export async function requireCustomer(
  db: Kysely<DB>,
  actor: Actor,
  conversationId: number,
): Promise<{ conversation: ConversationRow; customer: repo.CustomerRow }> {
  assertAnswerer(actor)
  const conversation = await requireReadable(db, actor, conversationId)
  const customer = conversation.kind === 'customer' ? await repo.selectByConversation(db, conversationId) : undefined
  if (!customer) throw notFound('customer_not_found', 'No such customer conversation.')
  return { conversation, customer }
}

async function people(db: Kysely<DB>, ids: readonly number[]): Promise<Map<number, PersonRef>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('member').select(['id', 'username', 'display_name']).where('id', 'in', ids).execute()
  return new Map(rows.map((r) => [r.id, { id: r.id, username: r.username, displayName: r.display_name }]))
}

async function views(
  ctx: AppContext,
  db: Kysely<DB>,
  rows: { customer: repo.CustomerRow; conversation: ConversationRow }[],
): Promise<CustomerView[]> {
  const customerIds = rows.map((r) => r.customer.id)
  const participants = customerIds.length
    ? await db
        .selectFrom('customer_participant')
        .select(['customer_id', 'member_id'])
        .where('customer_id', 'in', customerIds)
        .execute()
    : []
  const byId = await people(db, [
    ...rows.map((r) => r.conversation.assignee_id).filter((id): id is number => id !== null),
    ...participants.map((p) => p.member_id),
  ])
  const now = ctx.clock.now()
  return rows.map(({ customer, conversation }) => ({
    conversationId: conversation.id,
    reference: referenceOf(customer.id),
    name: customerName(customer),
    username: customer.erased_at ? '' : customer.username,
    language: customer.language,
    phone: customer.erased_at ? '' : customer.phone,
    source: customer.source,
    tags: repo.parseTags(customer.tags),
    status: conversation.status ?? 'open',
    assignee: conversation.assignee_id === null ? null : (byId.get(conversation.assignee_id) ?? null),
    participants: participants
      .filter((p) => p.customer_id === customer.id)
      .map((p) => byId.get(p.member_id))
      .filter((p): p is PersonRef => p !== undefined),
    episode: customer.episode,
    firstContactAt: customer.first_contact_at,
    lastContactAt: customer.last_contact_at,
    isBlocked: customer.blocked_at !== null,
    isUnreachable: customer.unreachable_at !== null,
    isThrottled: customer.throttled_at !== null && now - customer.throttled_at < THROTTLE_SHOWN_MS,
    isErased: customer.erased_at !== null,
    satisfaction: customer.satisfaction,
    xeroContact:
      customer.xero_contact_id === null
        ? null
        : { id: customer.xero_contact_id, name: customer.xero_contact_name ?? '' },
  }))
}

/** The Customers inbox: one row per customer, newest activity first. */
export async function listCustomers(
  ctx: AppContext,
  actor: Actor,
  filter: CustomerFilter,
  search = '',
): Promise<CustomerListItem[]> {
  assertAnswerer(actor)
  let q = ctx.db
    .selectFrom('customer as cu')
    .innerJoin('conversation as c', 'c.id', 'cu.conversation_id')
    .innerJoin('conversation_member as cm', (join) =>
      join.onRef('cm.conversation_id', '=', 'c.id').on('cm.member_id', '=', actor.member.id),
    )
    .selectAll('cu')
    .select((eb) => [
      'cm.last_read_id',
      eb
        .selectFrom('message as m')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('m.conversation_id', '=', 'c.id')
        .whereRef('m.id', '>', 'cm.last_read_id')
        .where('m.deleted_at', 'is', null)
        .where('m.kind', '!=', 'system')
        .as('unread'),
      eb
        .selectFrom('message as m')
        .select('m.id')
        .whereRef('m.conversation_id', '=', 'c.id')
        .where('m.deleted_at', 'is', null)
        .where('m.kind', '!=', 'system')
        .orderBy('m.id', 'desc')
        .limit(1)
        .as('last_shown_id'),
    ])
  if (filter === 'open') q = q.where('c.status', '=', 'open')
  else if (filter === 'waiting') q = q.where('c.status', '=', 'waiting')
  else if (filter === 'solved') q = q.where('c.status', '=', 'solved')
  else if (filter === 'mine') q = q.where('c.assignee_id', '=', actor.member.id).where('c.status', '!=', 'solved')
  else if (filter === 'unassigned') q = q.where('c.assignee_id', 'is', null).where('c.status', '!=', 'solved')
  const term = search.trim().toLowerCase()
  const reference = /^c-?0*(\d{1,9})$/.exec(term)
  if (reference) q = q.where('cu.id', '=', Number(reference[1]))
  else if (term) {
    const like = `%${term.replace(/[%_\\]/g, (c) => `\\${c}`)}%`
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['cu.first_name']), 'like', like),
        eb(eb.fn('lower', ['cu.last_name']), 'like', like),
        eb(eb.fn('lower', ['cu.username']), 'like', like),
        eb('cu.phone', 'like', like),
      ]),
    )
  }
  const rows = await q.orderBy('c.last_message_at', 'desc').limit(500).execute()
  if (rows.length === 0) return []
  const conversations = await ctx.db
    .selectFrom('conversation')
    .selectAll()
    .where(
      'id',
      'in',
      rows.map((r) => r.conversation_id),
    )
    .execute()
  const conversationById = new Map(conversations.map((c) => [c.id, c]))
  const lastIds = rows.map((r) => r.last_shown_id).filter((id): id is number => typeof id === 'number')
  const lastRows = lastIds.length
    ? await ctx.db.selectFrom('message').selectAll().where('id', 'in', lastIds).execute()
    : []
  const lastViews = await hydrateMessages(ctx.kinds, ctx.db, lastRows, { viewer: actor })
  const lastByConversation = new Map(lastViews.map((v) => [v.conversationId, lastMessageOf(v)]))
  const base = await views(
    ctx,
    ctx.db,
    rows.map((row) => ({ customer: row, conversation: conversationById.get(row.conversation_id) as ConversationRow })),
  )
  return base.map((view, i) => ({
    ...view,
    unreadCount: Number(rows[i]?.unread ?? 0),
    lastMessage: lastByConversation.get(view.conversationId) ?? null,
    lastMessageAt: conversationById.get(view.conversationId)?.last_message_at ?? null,
  }))
}

/** Counts for the inbox's filters and the Customers badge. */
export async function customerCounts(ctx: AppContext, actor: Actor) {
  assertAnswerer(actor)
  const rows = await ctx.db
    .selectFrom('conversation as c')
    .innerJoin('conversation_member as cm', (join) =>
      join.onRef('cm.conversation_id', '=', 'c.id').on('cm.member_id', '=', actor.member.id),
    )
    .select((eb) => [
      'c.status',
      'c.assignee_id',
      eb
        .selectFrom('message as m')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('m.conversation_id', '=', 'c.id')
        .whereRef('m.id', '>', 'cm.last_read_id')
        .where('m.deleted_at', 'is', null)
        .where('m.kind', '!=', 'system')
        .as('unread'),
    ])
    .where('c.kind', '=', 'customer')
    .execute()
  const counts = { open: 0, mine: 0, unassigned: 0, waiting: 0, solved: 0, unread: 0 }
  for (const row of rows) {
    if (row.status === 'open') counts.open++
    if (row.status === 'waiting') counts.waiting++
    if (row.status === 'solved') counts.solved++
    if (row.status !== 'solved' && row.assignee_id === actor.member.id) counts.mine++
    if (row.status !== 'solved' && row.assignee_id === null) counts.unassigned++
    if (Number(row.unread ?? 0) > 0) counts.unread++
  }
  return counts
}

export async function getCustomer(ctx: AppContext, actor: Actor, conversationId: number): Promise<CustomerView> {
  const found = await requireCustomer(ctx.db, actor, conversationId)
  return (await views(ctx, ctx.db, [found]))[0] as CustomerView
}

async function viewIn(ctx: AppContext, w: WriteContext, conversationId: number): Promise<CustomerView> {
  const conversation = await w.trx
    .selectFrom('conversation')
    .selectAll()
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow()
  const customer = await repo.selectByConversation(w.trx, conversationId)
  return (await views(ctx, w.trx, [{ conversation, customer: customer as repo.CustomerRow }]))[0] as CustomerView
}

async function systemLine(
  ctx: AppContext,
  w: WriteContext,
  actor: Actor | null,
  conversation: ConversationRow,
  action: string,
  detail = '',
) {
  await insertMessage(ctx, w, {
    conversation,
    author: actor?.member ?? null,
    kind: 'system',
    body: '',
    systemData: { action, detail },
  })
}

function personOf(actor: Actor | null): PersonRef | null {
  return actor ? { id: actor.member.id, username: actor.member.username, displayName: actor.member.display_name } : null
}

/**
 * Sets a customer conversation's status, with a line in it and an event. Solving it
 * (from the app, `#done` in Telegram) asks the satisfaction question once when the shop wants it.
 */
export async function setStatusIn(
  ctx: AppContext,
  w: WriteContext,
  actor: Actor | null,
  conversationId: number,
  status: CustomerStatus,
): Promise<void> {
  const conversation = await w.trx
    .selectFrom('conversation')
    .selectAll()
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow()
  if (conversation.status === status) return
  await updateOwnedConversation(w, conversationId, { status })
  await w.trx
    .updateTable('customer')
    .set({ solved_at: status === 'solved' ? w.now : null })
    .where('conversation_id', '=', conversationId)
    .execute()
  await systemLine(ctx, w, actor, conversation, `customer.${status}`)
  emitCustomerChanged(w, conversationId, status, conversation.assignee_id, personOf(actor))
}

export async function setStatus(ctx: AppContext, actor: Actor, conversationId: number, status: CustomerStatus) {
  return ctx.write(async (w) => {
    await requireCustomer(w.trx, actor, conversationId)
    await setStatusIn(ctx, w, actor, conversationId, status)
    return viewIn(ctx, w, conversationId)
  })
}

/** Gives the conversation to an answerer (or nobody) in the caller's write, with a line and an event. */
export async function assignIn(
  ctx: AppContext,
  w: WriteContext,
  by: Actor | null,
  conversationId: number,
  memberId: number | null,
): Promise<void> {
  const conversation = await w.trx
    .selectFrom('conversation')
    .selectAll()
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow()
  if (memberId !== null && !(await repo.selectAnswererIds(w.trx)).includes(memberId))
    throw badRequest('not_an_answerer', 'That person may not answer customers.')
  if (conversation.assignee_id === memberId) return
  await updateOwnedConversation(w, conversationId, { assignee_id: memberId })
  const name = memberId === null ? '' : ((await people(w.trx, [memberId])).get(memberId)?.displayName ?? '')
  await systemLine(ctx, w, by, conversation, memberId === null ? 'customer.unassigned' : 'customer.assigned', name)
  emitCustomerChanged(w, conversationId, conversation.status ?? 'open', memberId, personOf(by))
}

export async function assign(ctx: AppContext, actor: Actor, conversationId: number, memberId: number | null) {
  return ctx.write(async (w) => {
    await requireCustomer(w.trx, actor, conversationId)
    await assignIn(ctx, w, actor, conversationId, memberId)
    return viewIn(ctx, w, conversationId)
  })
}

const TAG = /^[\p{L}\p{N} _-]{1,30}$/u

export async function setTags(ctx: AppContext, actor: Actor, conversationId: number, tags: readonly string[]) {
  const clean = [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))]
  if (clean.length > 20) throw badRequest('invalid_tags', 'At most 20 tags.')
  for (const tag of clean)
    if (!TAG.test(tag))
      throw badRequest('invalid_tags', `“${tag}” is not a tag: letters, digits, spaces and dashes, up to 30.`)
  return ctx.write(async (w) => {
    const { conversation } = await requireCustomer(w.trx, actor, conversationId)
    await w.trx
      .updateTable('customer')
      .set({ tags: JSON.stringify(clean) })
      .where('conversation_id', '=', conversationId)
      .execute()
    emitCustomerChanged(w, conversationId, conversation.status ?? 'open', conversation.assignee_id, personOf(actor))
    return viewIn(ctx, w, conversationId)
  })
}

/** Adds a colleague who may answer customers to this conversation: they are told of its messages like the assignee. */
export async function setParticipant(
  ctx: AppContext,
  actor: Actor,
  conversationId: number,
  memberId: number,
  isIn: boolean,
) {
  return ctx.write(async (w) => {
    const { conversation, customer } = await requireCustomer(w.trx, actor, conversationId)
    if (isIn) {
      if (!(await repo.selectAnswererIds(w.trx)).includes(memberId))
        throw badRequest(
          'not_an_answerer',
          'That person may not answer customers. A manager can allow them on their member page.',
        )
      const result = await w.trx
        .insertInto('customer_participant')
        .values({ customer_id: customer.id, member_id: memberId, added_at: w.now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst()
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) {
        const name = (await people(w.trx, [memberId])).get(memberId)?.displayName ?? ''
        await systemLine(ctx, w, actor, conversation, 'added', name)
      }
    } else {
      await w.trx
        .deleteFrom('customer_participant')
        .where('customer_id', '=', customer.id)
        .where('member_id', '=', memberId)
        .execute()
    }
    emitCustomerChanged(w, conversationId, conversation.status ?? 'open', conversation.assignee_id, personOf(actor))
    return viewIn(ctx, w, conversationId)
  })
}

/** Blocks or unblocks a customer: while blocked nothing they send is stored or forwarded, and the bot stays silent. */
export async function setBlocked(ctx: AppContext, actor: Actor, conversationId: number, isBlocked: boolean) {
  return ctx.write(async (w) => {
    const { conversation, customer } = await requireCustomer(w.trx, actor, conversationId)
    if ((customer.blocked_at !== null) !== isBlocked) {
      await w.trx
        .updateTable('customer')
        .set({ blocked_at: isBlocked ? w.now : null, blocked_by: isBlocked ? actor.member.id : null })
        .where('id', '=', customer.id)
        .execute()
      await systemLine(ctx, w, actor, conversation, isBlocked ? 'customer.blocked' : 'customer.unblocked')
      await recordAudit(w.trx, w.now, {
        action: isBlocked ? 'customer.blocked' : 'customer.unblocked',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { customer: referenceOf(customer.id) },
      })
      emitCustomerChanged(w, conversationId, conversation.status ?? 'open', conversation.assignee_id, personOf(actor))
    }
    return viewIn(ctx, w, conversationId)
  })
}

/**
 * Erases a customer's data on request: every message's words become "erased", their files
 * go (the orphan sweep deletes them from disk), the contact record keeps only its number.
 */
export async function eraseCustomer(ctx: AppContext, actor: Actor, conversationId: number) {
  if (!can(actor, 'settings.manage'))
    throw forbidden(
      'settings_manage_required',
      'Only members who manage the shop’s settings can erase a customer’s data.',
    )
  return ctx.write(async (w) => {
    const { conversation, customer } = await requireCustomer(w.trx, actor, conversationId)
    await eraseIn(ctx, w, conversation, customer)
    await recordAudit(w.trx, w.now, {
      action: 'customer.erased',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { customer: referenceOf(customer.id) },
    })
    return viewIn(ctx, w, conversationId)
  })
}

async function eraseIn(ctx: AppContext, w: WriteContext, conversation: ConversationRow, customer: repo.CustomerRow) {
  const messages = await w.trx
    .selectFrom('message')
    .select('id')
    .where('conversation_id', '=', conversation.id)
    .execute()
  const ids = messages.map((m) => m.id)
  if (ids.length) {
    await w.trx.deleteFrom('attachment').where('message_id', 'in', ids).execute()
    await w.trx.deleteFrom('message_revision').where('message_id', 'in', ids).execute()
    await w.trx
      .updateTable('message')
      .set({ body: 'erased', has_attachment: 0, guest_name: null })
      .where('id', 'in', ids)
      .where('kind', '!=', 'system')
      .execute()
    await w.trx
      .updateTable('customer_message')
      .set({ not_received: null })
      .where('customer_id', '=', customer.id)
      .execute()
    await w.trx.deleteFrom('message_fts').where('rowid', 'in', ids).execute()
  }
  await w.trx
    .updateTable('customer')
    .set({
      first_name: '',
      last_name: '',
      username: '',
      phone: '',
      language: '',
      tags: '[]',
      xero_contact_id: null,
      xero_contact_name: null,
      erased_at: w.now,
    })
    .where('id', '=', customer.id)
    .execute()
  await updateOwnedConversation(w, conversation.id, { name: 'Erased customer' })
  emitCustomerChanged(w, conversation.id, conversation.status ?? 'open', conversation.assignee_id, null)
  void ctx
}

/** The retention setting: customers whose conversation was solved more than N days ago are erased. */
export async function eraseSolvedBefore(ctx: AppContext, now: number): Promise<number> {
  const settings = await repo.selectSettings(ctx.db)
  if (settings.retention_days === null) return 0
  const cutoff = now - settings.retention_days * 86_400_000
  const due = await ctx.db
    .selectFrom('customer as cu')
    .innerJoin('conversation as c', 'c.id', 'cu.conversation_id')
    .select('cu.conversation_id')
    .where('c.status', '=', 'solved')
    .where('cu.solved_at', '<', cutoff)
    .where('cu.erased_at', 'is', null)
    .limit(200)
    .execute()
  for (const { conversation_id } of due) {
    await ctx.write(async (w) => {
      const conversation = await w.trx
        .selectFrom('conversation')
        .selectAll()
        .where('id', '=', conversation_id)
        .executeTakeFirstOrThrow()
      const customer = (await repo.selectByConversation(w.trx, conversation_id)) as repo.CustomerRow
      await eraseIn(ctx, w, conversation, customer)
    })
  }
  return due.length
}

/** Puts a member in every customer conversation when they may answer customers, and out when they may not. */
export async function syncAnswerer(w: WriteContext, memberId: number): Promise<void> {
  const isAnswerer = (await repo.selectAnswererIds(w.trx)).includes(memberId)
  const conversations = await w.trx.selectFrom('conversation').select('id').where('kind', '=', 'customer').execute()
  for (const { id } of conversations) await setOwnedMembership(w, id, memberId, isAnswerer)
  if (!isAnswerer) {
    await w.trx
      .updateTable('conversation')
      .set({ assignee_id: null })
      .where('kind', '=', 'customer')
      .where('assignee_id', '=', memberId)
      .execute()
  }
}

/** Keeps the answerers in step with permission changes, whichever route changed them. */
export function registerAnswererSync(ctx: AppContext): void {
  ctx.write.onStored(async (w, events) => {
    for (const event of events) {
      if (event.type === 'member.updated' || event.type === 'member.joined' || event.type === 'member.reactivated') {
        const memberId = (event.data as { member: { id: number } }).member.id
        await syncAnswerer(w, memberId)
      }
    }
  })
}

// Settings.

export interface CustomerSettingsView {
  welcomeText: string
  awayText: string
  hours: BusinessHours | null
  signReplies: boolean
  episodeAfterDays: number | null
  ratePerMinute: number
  dailyMb: number
  askSatisfaction: boolean
  retentionDays: number | null
  taskTakenText: string
  taskDoneText: string
  /** The task queue where an open, unassigned customer conversation waits as a job; null for none. */
  queueId: number | null
}

export function settingsView(row: repo.CustomerSettingsRow): CustomerSettingsView {
  return {
    welcomeText: row.welcome_text,
    awayText: row.away_text,
    hours: parseHours(row.hours),
    signReplies: row.sign_replies === 1,
    episodeAfterDays: row.episode_after_days,
    ratePerMinute: row.rate_per_minute,
    dailyMb: row.daily_mb,
    askSatisfaction: row.ask_satisfaction === 1,
    retentionDays: row.retention_days,
    taskTakenText: row.task_taken_text,
    taskDoneText: row.task_done_text,
    queueId: row.queue_id,
  }
}

export async function getSettings(ctx: AppContext): Promise<CustomerSettingsView> {
  return settingsView(await repo.selectSettings(ctx.db))
}

export async function updateSettings(ctx: AppContext, actor: Actor, patch: Partial<CustomerSettingsView>) {
  if (patch.hours) assertHours(patch.hours)
  return ctx.write(async (w) => {
    const set: Record<string, unknown> = {}
    if (patch.welcomeText !== undefined) set.welcome_text = patch.welcomeText.trim()
    if (patch.awayText !== undefined) set.away_text = patch.awayText.trim()
    if (patch.hours !== undefined) set.hours = patch.hours === null ? null : JSON.stringify(patch.hours)
    if (patch.signReplies !== undefined) set.sign_replies = patch.signReplies ? 1 : 0
    if (patch.episodeAfterDays !== undefined) set.episode_after_days = patch.episodeAfterDays
    if (patch.ratePerMinute !== undefined) set.rate_per_minute = patch.ratePerMinute
    if (patch.dailyMb !== undefined) set.daily_mb = patch.dailyMb
    if (patch.askSatisfaction !== undefined) set.ask_satisfaction = patch.askSatisfaction ? 1 : 0
    if (patch.retentionDays !== undefined) set.retention_days = patch.retentionDays
    if (patch.taskTakenText !== undefined) set.task_taken_text = patch.taskTakenText.trim()
    if (patch.taskDoneText !== undefined) set.task_done_text = patch.taskDoneText.trim()
    if (patch.queueId !== undefined) {
      if (patch.queueId !== null) {
        const queue = await w.trx
          .selectFrom('task_queue')
          .select(['id', 'archived_at'])
          .where('id', '=', patch.queueId)
          .executeTakeFirst()
        if (!queue || queue.archived_at !== null) throw badRequest('queue_not_found', 'No such task queue.')
      }
      set.queue_id = patch.queueId
    }
    if (Object.keys(set).length) await w.trx.updateTable('customer_settings').set(set).where('id', '=', 1).execute()
    await recordAudit(w.trx, w.now, {
      action: 'customers.settings_changed',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { fields: Object.keys(patch) },
    })
    return settingsView(await repo.selectSettings(w.trx))
  })
}
