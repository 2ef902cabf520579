import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, EpochMs, IdParams, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import {
  AttachmentInputSchema,
  ClientKey,
  messageSchema,
  MessageText,
  MyAcksSchema,
  PersonRefSchema,
} from '../conversations/schemas'
import * as notices from './service'

const Time = Type.Union([EpochMs, Type.Null()])

const NoticeBody = Body({
  title: Type.String({ minLength: 1, maxLength: 800 }),
  body: MessageText,
  clientKey: ClientKey,
  isUrgent: Type.Optional(Type.Boolean()),
  mustAcknowledge: Type.Optional(Type.Boolean()),
  acknowledgeBy: Type.Optional(Time),
  expiresAt: Type.Optional(Time),
  attachments: Type.Optional(Type.Array(AttachmentInputSchema, { maxItems: 10 })),
})

const NoticePatchBody = Body({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 800 })),
  body: Type.Optional(MessageText),
  isUrgent: Type.Optional(Type.Boolean()),
  mustAcknowledge: Type.Optional(Type.Boolean()),
  acknowledgeBy: Type.Optional(Time),
  expiresAt: Type.Optional(Time),
  isPinned: Type.Optional(Type.Boolean()),
  moveToTop: Type.Optional(Type.Boolean()),
})

const AckSchema = Type.Object({
  messageId: Type.Integer(),
  memberId: Type.Integer(),
  at: Type.Number(),
  ackCount: Type.Integer(),
  ackTotal: Type.Integer(),
})

const AckReportSchema = Type.Object({
  acknowledged: Type.Array(Type.Object({ ...PersonRefSchema.properties, at: Type.Number() })),
  missing: Type.Array(PersonRefSchema),
})

export function registerNoticeRoutes(app: App, ctx: AppContext): void {
  const tags = ['notices']

  app.get(
    '/api/notices',
    {
      schema: {
        tags,
        summary: 'Pinned notices, urgent first, with my acknowledgements',
        response: withErrors({
          200: Type.Object({ notices: Type.Array(messageSchema(ctx.kinds)), acknowledged: MyAcksSchema }),
        }),
      },
    },
    async (request) => notices.listPinned(ctx, actorOf(request)),
  )

  app.post(
    '/api/notices',
    {
      config: { permission: 'board.post' },
      schema: {
        tags,
        summary: 'Post a notice on the board',
        body: NoticeBody,
        response: withErrors({ 200: messageSchema(ctx.kinds), 201: messageSchema(ctx.kinds) }),
      },
    },
    async (request, reply) => {
      const { message, isNew } = await notices.postNotice(ctx, actorOf(request), request.body)
      return reply.status(isNew ? 201 : 200).send(message)
    },
  )

  app.patch(
    '/api/notices/:id',
    {
      schema: {
        tags,
        summary: 'Change a notice',
        params: IdParams,
        body: NoticePatchBody,
        response: withErrors({ 200: messageSchema(ctx.kinds) }),
      },
    },
    async (request) => notices.updateNotice(ctx, actorOf(request), request.params.id, request.body),
  )

  app.post(
    '/api/notices/:id/acknowledge',
    {
      schema: {
        tags,
        summary: 'Acknowledge a notice (once)',
        params: IdParams,
        response: withErrors({ 200: AckSchema }),
      },
    },
    async (request) => notices.acknowledge(ctx, actorOf(request), request.params.id),
  )

  app.get(
    '/api/notices/:id/acknowledgements',
    {
      schema: {
        tags,
        summary: 'Who has acknowledged and who has not',
        params: IdParams,
        response: withErrors({ 200: AckReportSchema }),
      },
    },
    async (request) => notices.acknowledgementReport(ctx, actorOf(request), request.params.id),
  )
}
