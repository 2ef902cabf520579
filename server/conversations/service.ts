/**
 * Conversations: the board, channels (open or private) and direct conversations; joining,
 * leaving, adding and removing members, renaming and archiving. Membership changes are
 * announced as events and as system lines in the conversation.
 */
import type { Kysely } from 'kysely'
import type { ConversationKind, DB } from '../db/schema'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { badRequest, conflict, forbidden } from '../shared/errors'
import { cleanName } from '../shared/names'
import type { Actor } from '../auth/actor'
import type { ConversationView, PersonRef } from '../realtime/events'
import { assertCanManage, assertCanWrite, canCreateChannel, requireReadable } from './access'
import { insertMessage } from './messages-service'
import { lastMessageOf, type LastMessage } from './preview'
import * as repo from './repo'
import { conversationView, conversationViews, hydrateMessages, personRef, type ConversationRow } from './views'

export interface ConversationListItem extends ConversationView {
  unreadCount: number
  mentionCount: number
  lastReadId: number
  isAdmin: boolean
  /** Until when the actor muted it (no pushes); null when not muted. */
  mutedUntil: number | null
  /** The latest message still there (not a system line), for the row's preview. */
  lastMessage: LastMessage | null
}

/**
 * The actor's conversations with unread counts and each one's latest message, in a fixed
 * number of queries however many conversations there are.
 */
export async function listMyConversations(ctx: AppContext, actor: Actor): Promise<ConversationListItem[]> {
  let rows = await repo.selectConversationsOf(ctx.db, actor.member.id)
  if (actor.member.role === 'display') rows = rows.filter((row) => row.kind === 'board')
  const lastIds = rows.map((row) => row.last_shown_id).filter((id): id is number => typeof id === 'number')
  const [views, lastViews] = await Promise.all([
    conversationViews(ctx.db, rows),
    repo
      .selectMessagesByIds(ctx.db, lastIds)
      .then((messages) => hydrateMessages(ctx.kinds, ctx.db, messages, { viewer: actor })),
  ])
  const lastByConversation = new Map(lastViews.map((view) => [view.conversationId, lastMessageOf(view)]))
  return rows.map((row, i) => ({
    ...(views[i] as ConversationView),
    lastMessage: lastByConversation.get(row.id) ?? null,
    unreadCount: Number(row.unread ?? 0),
    mentionCount: Number(row.mentions ?? 0),
    lastReadId: row.last_read_id,
    isAdmin: row.is_admin === 1,
    mutedUntil: row.muted_until !== null && row.muted_until > ctx.clock.now() ? row.muted_until : null,
  }))
}

/** Open channels the actor could join. */
export async function listJoinableChannels(ctx: AppContext, actor: Actor): Promise<ConversationView[]> {
  if (actor.member.role === 'display') return []
  return conversationViews(ctx.db, await repo.selectOpenChannelsNotJoined(ctx.db, actor.member.id))
}

export interface ConversationDetail extends ConversationView {
  people: (PersonRef & { isAdmin: boolean; lastReadId: number })[]
}

export async function getConversation(ctx: AppContext, actor: Actor, id: number): Promise<ConversationDetail> {
  const row = await requireReadableOrOpen(ctx.db, actor, id)
  const view = await conversationView(ctx.db, row)
  const members = row.kind === 'board' ? [] : await repo.selectConversationMembers(ctx.db, id)
  return {
    ...view,
    people: members.map((m) => ({ ...personRef(m), isAdmin: m.is_admin === 1, lastReadId: m.last_read_id })),
  }
}

/** Pass the transaction as `db` inside ctx.write(): the one connection is busy with it. */
async function requireReadableOrOpen(db: Kysely<DB>, actor: Actor, id: number): Promise<ConversationRow> {
  const row = await repo.selectConversation(db, id)
  const isOpenChannel = row?.kind === 'channel' && row.is_private === 0 && actor.member.role !== 'display'
  return isOpenChannel ? row : requireReadable(db, actor, id)
}

async function systemLine(
  ctx: AppContext,
  w: WriteContext,
  actor: Actor,
  conversation: ConversationRow,
  action: string,
  detail = '',
) {
  await insertMessage(ctx, w, {
    conversation,
    author: actor.member,
    kind: 'system',
    body: '',
    systemData: { action, detail },
  })
}

async function activeMemberIds(
  w: WriteContext,
  ids: readonly number[],
): Promise<{ id: number; display_name: string }[]> {
  if (ids.length === 0) return []
  return w.trx
    .selectFrom('member')
    .select(['id', 'display_name'])
    .where('id', 'in', ids)
    .where('status', '=', 'active')
    .where('role', '!=', 'display')
    .execute()
}

export interface NewChannel {
  name: string
  topic?: string | undefined
  isPrivate: boolean
  memberIds?: number[] | undefined
}

export async function createChannel(ctx: AppContext, actor: Actor, input: NewChannel): Promise<ConversationView> {
  if (!canCreateChannel(actor)) throw forbidden('channel_create_forbidden', 'Ask a manager to create channels.')
  const name = cleanName(input.name).replace(/^#/, '')
  if (!name) throw badRequest('invalid_name', 'A channel needs a name.')
  return ctx.write(async (w) => {
    const clash = await w.trx
      .selectFrom('conversation')
      .select('id')
      .where('kind', '=', 'channel')
      .where('name', '=', name)
      .where('archived_at', 'is', null)
      .executeTakeFirst()
    if (clash) throw conflict('channel_exists', 'A channel with that name already exists.')
    const row = await repo.insertConversation(w.trx, {
      kind: 'channel',
      name,
      topic: cleanName(input.topic ?? ''),
      is_private: input.isPrivate ? 1 : 0,
      direct_key: null,
      created_by: actor.member.id,
      created_at: w.now,
    })
    const others = (await activeMemberIds(w, input.memberIds ?? []))
      .map((m) => m.id)
      .filter((id) => id !== actor.member.id)
    const memberIds = [actor.member.id, ...others]
    await repo.insertMemberships(w.trx, row.id, memberIds, w.now, actor.member.id)
    const view = await conversationView(w.trx, row)
    const audience = input.isPrivate ? ({ kind: 'conversation', id: row.id } as const) : ({ kind: 'shop' } as const)
    w.emit('conversation.created', audience, { conversation: view, memberIds })
    await systemLine(ctx, w, actor, row, 'created', name)
    return view
  })
}

/** Opens the direct conversation with exactly these people, creating it the first time. */
export async function openDirect(
  ctx: AppContext,
  actor: Actor,
  memberIds: readonly number[],
): Promise<ConversationView> {
  if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display cannot start conversations.')
  const others = [...new Set(memberIds)].filter((id) => id !== actor.member.id)
  if (others.length < 1 || others.length > 7)
    throw badRequest('invalid_members', 'Choose between one and seven people.')
  return ctx.write(async (w) => {
    const found = await activeMemberIds(w, others)
    if (found.length !== others.length)
      throw badRequest('invalid_members', 'Someone you chose is not an active member.')
    const ids = [actor.member.id, ...others].sort((a, b) => a - b)
    const key = ids.join(',')
    const existing = await repo.selectDirectByKey(w.trx, key)
    if (existing) return conversationView(w.trx, existing)
    const row = await repo.insertConversation(w.trx, {
      kind: 'direct',
      name: '',
      topic: '',
      is_private: 1,
      direct_key: key,
      created_by: actor.member.id,
      created_at: w.now,
    })
    await repo.insertMemberships(w.trx, row.id, ids, w.now)
    const view = await conversationView(w.trx, row)
    w.emit('conversation.created', { kind: 'conversation', id: row.id }, { conversation: view, memberIds: ids })
    return view
  })
}

async function emitUpdated(w: WriteContext, row: ConversationRow): Promise<ConversationView> {
  const view = await conversationView(w.trx, row)
  const audience =
    row.kind === 'channel' && row.is_private === 0
      ? ({ kind: 'shop' } as const)
      : ({ kind: 'conversation', id: row.id } as const)
  w.emit('conversation.updated', audience, { conversation: view })
  return view
}

export async function updateChannel(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: { name?: string | undefined; topic?: string | undefined },
): Promise<ConversationView> {
  return ctx.write(async (w) => {
    const row = await requireReadableOrOpen(w.trx, actor, id)
    await assertCanManage(w.trx, actor, row)
    assertCanWrite(actor, row)
    const name = patch.name === undefined ? undefined : cleanName(patch.name).replace(/^#/, '')
    if (name !== undefined && !name) throw badRequest('invalid_name', 'A channel needs a name.')
    const next = {
      ...row,
      name: name ?? row.name,
      topic: patch.topic === undefined ? row.topic : cleanName(patch.topic),
    }
    await repo.updateConversation(w.trx, id, { name: next.name, topic: next.topic })
    if (next.name !== row.name) await systemLine(ctx, w, actor, next, 'renamed', next.name)
    return emitUpdated(w, next)
  })
}

export async function setArchived(
  ctx: AppContext,
  actor: Actor,
  id: number,
  isArchived: boolean,
): Promise<ConversationView> {
  return ctx.write(async (w) => {
    const row = await requireReadableOrOpen(w.trx, actor, id)
    await assertCanManage(w.trx, actor, row)
    if ((row.archived_at !== null) === isArchived) return conversationView(w.trx, row)
    const next = { ...row, archived_at: isArchived ? w.now : null }
    if (!isArchived) await repo.updateConversation(w.trx, id, { archived_at: null })
    await systemLine(ctx, w, actor, { ...row, archived_at: null }, isArchived ? 'archived' : 'unarchived')
    if (isArchived) await repo.updateConversation(w.trx, id, { archived_at: w.now })
    return emitUpdated(w, next)
  })
}

async function addMembers(
  ctx: AppContext,
  w: WriteContext,
  actor: Actor,
  row: ConversationRow,
  ids: readonly number[],
) {
  const people = await activeMemberIds(w, ids)
  const added = await repo.insertMemberships(
    w.trx,
    row.id,
    people.map((p) => p.id),
    w.now,
  )
  for (const memberId of added) {
    w.emit('conversation.member_added', { kind: 'conversation', id: row.id }, { conversationId: row.id, memberId })
    const name = people.find((p) => p.id === memberId)?.display_name ?? ''
    await systemLine(
      ctx,
      w,
      actor,
      row,
      memberId === actor.member.id ? 'joined' : 'added',
      memberId === actor.member.id ? '' : name,
    )
  }
  return added
}

/** Joins an open channel. */
export async function joinChannel(ctx: AppContext, actor: Actor, id: number): Promise<ConversationView> {
  return ctx.write(async (w) => {
    const row = await requireReadableOrOpen(w.trx, actor, id)
    if (row.kind !== 'channel' || row.is_private === 1)
      throw forbidden('not_joinable', 'You need an invitation to join that.')
    assertCanWrite(actor, row)
    await addMembers(ctx, w, actor, row, [actor.member.id])
    return conversationView(w.trx, row)
  })
}

/** Adds people to a channel: anyone in an open channel, admins and managers in a private one. */
export async function addToChannel(
  ctx: AppContext,
  actor: Actor,
  id: number,
  memberIds: readonly number[],
): Promise<number[]> {
  return ctx.write(async (w) => {
    const row = await requireReadable(w.trx, actor, id)
    if (row.kind !== 'channel') throw forbidden('not_a_channel', 'People can be added to channels only.')
    assertCanWrite(actor, row)
    if (row.is_private === 1) await assertCanManage(w.trx, actor, row)
    return addMembers(ctx, w, actor, row, memberIds)
  })
}

async function removeMember(ctx: AppContext, w: WriteContext, actor: Actor, row: ConversationRow, memberId: number) {
  const person = await w.trx.selectFrom('member').select(['display_name']).where('id', '=', memberId).executeTakeFirst()
  if (!(await repo.deleteMembership(w.trx, row.id, memberId)))
    throw badRequest('not_a_member', 'That person is not in this conversation.')
  const isSelf = memberId === actor.member.id
  await systemLine(ctx, w, actor, row, isSelf ? 'left' : 'removed', isSelf ? '' : (person?.display_name ?? ''))
  const data = { conversationId: row.id, memberId }
  w.emit('conversation.member_removed', { kind: 'conversation', id: row.id }, data)
  // The removed member no longer sees the conversation's events; tell them directly.
  w.emit('conversation.member_removed', { kind: 'member', id: memberId }, data)
}

export async function leaveChannel(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  await ctx.write(async (w) => {
    const row = await requireReadable(w.trx, actor, id)
    if (row.kind === 'board') throw forbidden('cannot_leave_board', 'Everyone stays on the board.')
    if (row.kind === 'direct')
      throw forbidden('cannot_leave_direct', 'Direct conversations cannot be left; mute them instead.')
    await removeMember(ctx, w, actor, row, actor.member.id)
  })
}

export async function removeFromChannel(ctx: AppContext, actor: Actor, id: number, memberId: number): Promise<void> {
  await ctx.write(async (w) => {
    const row = await requireReadable(w.trx, actor, id)
    await assertCanManage(w.trx, actor, row)
    await removeMember(ctx, w, actor, row, memberId)
  })
}

/**
 * Conversations of a kind another feature owns (a customer's): the feature decides who is
 * in them and what they are called; these keep the rows, the membership index and the
 * clients in step, without system lines.
 */
export async function insertOwnedConversation(
  w: WriteContext,
  input: { kind: ConversationKind; name: string; topic?: string; memberIds: readonly number[]; status?: 'open' },
): Promise<ConversationRow> {
  const row = await repo.insertConversation(w.trx, {
    kind: input.kind,
    name: input.name,
    topic: input.topic ?? '',
    is_private: 1,
    direct_key: null,
    created_by: null,
    created_at: w.now,
    status: input.status ?? null,
  })
  const memberIds = await repo.insertMemberships(w.trx, row.id, input.memberIds, w.now)
  w.emit(
    'conversation.created',
    { kind: 'conversation', id: row.id },
    {
      conversation: await conversationView(w.trx, row),
      memberIds,
    },
  )
  return row
}

/** Puts a member in or out of a feature's conversation; false when nothing changed. */
export async function setOwnedMembership(
  w: WriteContext,
  conversationId: number,
  memberId: number,
  isMember: boolean,
): Promise<boolean> {
  const data = { conversationId, memberId }
  if (isMember) {
    const added = await repo.insertMemberships(w.trx, conversationId, [memberId], w.now)
    if (added.length === 0) return false
    w.emit('conversation.member_added', { kind: 'conversation', id: conversationId }, data)
    // The member's own list learns of the conversation.
    const row = await repo.selectConversation(w.trx, conversationId)
    if (row) {
      w.emit(
        'conversation.created',
        { kind: 'member', id: memberId },
        {
          conversation: await conversationView(w.trx, row),
          memberIds: [memberId],
        },
      )
    }
    return true
  }
  if (!(await repo.deleteMembership(w.trx, conversationId, memberId))) return false
  w.emit('conversation.member_removed', { kind: 'conversation', id: conversationId }, data)
  w.emit('conversation.member_removed', { kind: 'member', id: memberId }, data)
  return true
}

/** Changes a feature's conversation (its name, status, assignee) and tells its members. */
export async function updateOwnedConversation(
  w: WriteContext,
  id: number,
  patch: { name?: string; status?: 'open' | 'waiting' | 'solved'; assignee_id?: number | null },
): Promise<ConversationView> {
  await repo.updateConversation(w.trx, id, patch)
  const row = await repo.selectConversation(w.trx, id)
  if (!row) throw badRequest('conversation_not_found', 'No such conversation.')
  return emitUpdated(w, row)
}
