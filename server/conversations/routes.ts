import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { IdParams, Ok, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import * as conversations from './service'
import * as messages from './messages-service'
import * as reading from './reading-service'
import { setReaction } from './reactions-service'
import { search } from './search-service'
import {
  ConversationDetailSchema,
  ConversationListItemSchema,
  ConversationMemberParams,
  ConversationSchema,
  EditBody,
  HistoryQuerySchema,
  historySchema,
  MemberIdsBody,
  MessageRevisionSchema,
  messageSchema,
  NewConversationBody,
  ReactionBody,
  ReactionSchema,
  ReadBody,
  SearchHitSchema,
  SearchQuerySchema,
  SendBody,
  UpdateConversationBody,
} from './schemas'

export function registerConversationRoutes(app: App, ctx: AppContext): void {
  const tags = ['conversations']

  app.get(
    '/api/conversations',
    {
      schema: {
        tags,
        summary: 'My conversations with unread and mention counts',
        response: withErrors({ 200: Type.Array(ConversationListItemSchema) }),
      },
    },
    async (request) => conversations.listMyConversations(ctx, actorOf(request)),
  )

  app.get(
    '/api/conversations/joinable',
    {
      schema: {
        tags,
        summary: 'Open channels I could join',
        response: withErrors({ 200: Type.Array(ConversationSchema) }),
      },
    },
    async (request) => conversations.listJoinableChannels(ctx, actorOf(request)),
  )

  app.post(
    '/api/conversations',
    {
      schema: {
        tags,
        summary: 'Create a channel, or open a direct conversation',
        body: NewConversationBody,
        response: withErrors({ 200: ConversationSchema, 201: ConversationSchema }),
      },
    },
    async (request, reply) => {
      const body = request.body
      if (body.kind === 'direct') return conversations.openDirect(ctx, actorOf(request), body.memberIds)
      return reply.status(201).send(await conversations.createChannel(ctx, actorOf(request), body))
    },
  )

  app.get(
    '/api/conversations/:id',
    {
      schema: {
        tags,
        summary: 'A conversation and its members',
        params: IdParams,
        response: withErrors({ 200: ConversationDetailSchema }),
      },
    },
    async (request) => conversations.getConversation(ctx, actorOf(request), request.params.id),
  )

  app.patch(
    '/api/conversations/:id',
    {
      schema: {
        tags,
        summary: 'Rename a channel or change its topic',
        params: IdParams,
        body: UpdateConversationBody,
        response: withErrors({ 200: ConversationSchema }),
      },
    },
    async (request) => conversations.updateChannel(ctx, actorOf(request), request.params.id, request.body),
  )

  for (const [action, isArchived] of [
    ['archive', true],
    ['unarchive', false],
  ] as const) {
    app.post(
      `/api/conversations/:id/${action}`,
      {
        schema: {
          tags,
          summary: `${isArchived ? 'Archive' : 'Unarchive'} a channel`,
          params: IdParams,
          response: withErrors({ 200: ConversationSchema }),
        },
      },
      async (request) => conversations.setArchived(ctx, actorOf(request), request.params.id, isArchived),
    )
  }

  app.post(
    '/api/conversations/:id/join',
    {
      schema: {
        tags,
        summary: 'Join an open channel',
        params: IdParams,
        response: withErrors({ 200: ConversationSchema }),
      },
    },
    async (request) => conversations.joinChannel(ctx, actorOf(request), request.params.id),
  )

  app.post(
    '/api/conversations/:id/leave',
    { schema: { tags, summary: 'Leave a channel', params: IdParams, response: withErrors({ 200: Ok }) } },
    async (request) => {
      await conversations.leaveChannel(ctx, actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )

  app.post(
    '/api/conversations/:id/members',
    {
      schema: {
        tags,
        summary: 'Add people to a channel',
        params: IdParams,
        body: MemberIdsBody,
        response: withErrors({ 200: Type.Object({ added: Type.Array(Type.Integer()) }) }),
      },
    },
    async (request) => ({
      added: await conversations.addToChannel(ctx, actorOf(request), request.params.id, request.body.memberIds),
    }),
  )

  app.delete(
    '/api/conversations/:id/members/:memberId',
    {
      schema: {
        tags,
        summary: 'Remove someone from a channel',
        params: ConversationMemberParams,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await conversations.removeFromChannel(ctx, actorOf(request), request.params.id, request.params.memberId)
      return { ok: true as const }
    },
  )

  app.get(
    '/api/conversations/:id/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'History, oldest first: before, after or around a message id',
        params: IdParams,
        querystring: HistoryQuerySchema,
        response: withErrors({ 200: historySchema(ctx.kinds) }),
      },
    },
    async (request) => {
      const actor = actorOf(request)
      const list = await reading.listMessages(ctx, actor, request.params.id, request.query)
      return { messages: list, acknowledged: await ctx.kinds.acknowledgements(ctx.db, actor.member.id, list) }
    },
  )

  app.post(
    '/api/conversations/:id/messages',
    {
      // Not limited: sending is the hot path, measured flat out by the benchmark, and each
      // message is content under its author's name that others see and a manager can remove.
      config: { rateLimit: false },
      schema: {
        tags: ['messages'],
        summary: 'Send a message (idempotent by clientKey)',
        params: IdParams,
        body: SendBody,
        response: withErrors({ 200: messageSchema(ctx.kinds), 201: messageSchema(ctx.kinds), 413: Type.Ref('Error') }),
      },
    },
    async (request, reply) => {
      const { message, isNew } = await messages.sendMessage(ctx, actorOf(request), request.params.id, request.body)
      return reply.status(isNew ? 201 : 200).send(message)
    },
  )

  app.post(
    '/api/conversations/:id/read',
    {
      // Sent as messages scroll into view: often, but never more than once a second or so.
      config: { rateLimit: { max: 120, timeWindow: 60_000 } },
      schema: {
        tags: ['messages'],
        summary: 'Move my read position forward',
        params: IdParams,
        body: ReadBody,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await reading.markRead(ctx, actorOf(request), request.params.id, request.body.lastReadId)
      return { ok: true as const }
    },
  )

  app.post(
    '/api/conversations/read-all',
    {
      config: { rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: {
        tags: ['messages'],
        summary: 'Mark everything read',
        response: withErrors({ 200: Type.Object({ conversations: Type.Integer() }) }),
      },
    },
    async (request) => ({ conversations: await reading.markAllRead(ctx, actorOf(request)) }),
  )

  app.patch(
    '/api/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'Edit a message',
        params: IdParams,
        body: EditBody,
        response: withErrors({ 200: messageSchema(ctx.kinds) }),
      },
    },
    async (request) => messages.editMessage(ctx, actorOf(request), request.params.id, request.body.body),
  )

  app.get(
    '/api/messages/:id/history',
    {
      schema: {
        tags: ['messages'],
        summary: "A message's earlier versions, newest first, with who edited it and when",
        params: IdParams,
        response: withErrors({ 200: Type.Array(MessageRevisionSchema) }),
      },
    },
    async (request) => reading.listMessageRevisions(ctx, actorOf(request), request.params.id),
  )

  app.delete(
    '/api/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'Delete a message (leaves a tombstone)',
        params: IdParams,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await messages.deleteMessage(ctx, actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )

  app.post(
    '/api/messages/:id/reactions',
    {
      // A toggle that costs nothing to send and an event for everyone in the conversation.
      config: { rateLimit: { max: 60, timeWindow: 60_000 } },
      schema: {
        tags: ['messages'],
        summary: 'Add or remove my reaction',
        params: IdParams,
        body: ReactionBody,
        response: withErrors({ 200: Type.Array(ReactionSchema) }),
      },
    },
    async (request) => setReaction(ctx, actorOf(request), request.params.id, request.body.emoji, request.body.isOn),
  )

  app.get(
    '/api/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search what I can see',
        querystring: SearchQuerySchema,
        response: withErrors({ 200: Type.Array(SearchHitSchema) }),
      },
    },
    async (request) => search(ctx, actorOf(request), request.query),
  )
}
