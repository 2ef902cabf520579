import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import { publicOrigin, requestMeta } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { IdParams, Ok, withErrors } from '../shared/schemas'
import { rotateJoinCode } from '../settings/service'
import { actorOf } from './access'
import { setSessionCookie } from './cookies'
import * as invites from './invites-service'
import { NAME_RULES } from './members-routes'
import {
  InviteSchema,
  JoinBody,
  JoinCodeParams,
  JoinCodeSchema,
  JoinInfoSchema,
  NewInviteBody,
  StatusSchema,
} from './schemas'
import { SESSION_TTL_MS } from './service'

export function registerInviteRoutes(app: App, ctx: AppContext): void {
  const tags = ['joining']
  const manage = { permission: 'members.manage' as const }

  app.get(
    '/api/invites',
    {
      config: manage,
      schema: { tags, summary: 'Invite links', response: withErrors({ 200: Type.Array(InviteSchema) }) },
    },
    async (request) => invites.listInvites(ctx, actorOf(request), publicOrigin(ctx, request)),
  )

  app.post(
    '/api/invites',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Create an invite link with a QR code',
        body: NewInviteBody,
        response: withErrors({ 201: Type.Intersect([InviteSchema, Type.Object({ qrSvg: Type.String() })]) }),
      },
    },
    async (request, reply) => {
      const invite = await invites.createInvite(ctx, actorOf(request), request.body, publicOrigin(ctx, request))
      return reply.status(201).send(invite)
    },
  )

  app.get(
    '/api/invites/:id/qr',
    {
      config: manage,
      schema: {
        tags,
        summary: "An invite's QR code",
        params: IdParams,
        response: withErrors({ 200: Type.Object({ qrSvg: Type.String() }) }),
      },
    },
    async (request) => ({
      qrSvg: await invites.getInviteQr(ctx, actorOf(request), request.params.id, publicOrigin(ctx, request)),
    }),
  )

  app.delete(
    '/api/invites/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Revoke an invite link',
        description: 'By its maker, an owner, or a member ranked above its role; anyone else gets 403 `outranked`.',
        params: IdParams,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await invites.revokeInvite(ctx, actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )

  app.get(
    '/api/join-code',
    {
      config: manage,
      schema: { tags, summary: "The shop's join code", response: withErrors({ 200: JoinCodeSchema }) },
    },
    async (request) => invites.getJoinCode(ctx, actorOf(request), publicOrigin(ctx, request)),
  )

  app.post(
    '/api/join-code/rotate',
    {
      config: manage,
      schema: { tags, summary: 'Replace the join code', response: withErrors({ 200: JoinCodeSchema }) },
    },
    async (request) => {
      await rotateJoinCode(ctx, actorOf(request))
      return invites.getJoinCode(ctx, actorOf(request), publicOrigin(ctx, request))
    },
  )

  app.get(
    '/api/join/:code',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'What a join link leads to',
        params: JoinCodeParams,
        response: withErrors({ 200: JoinInfoSchema, 410: Type.Ref('Error') }),
      },
    },
    async (request) => {
      invites.assertJoinCodeShape(request.params.code)
      return invites.describeJoinCode(ctx, request.params.code)
    },
  )

  app.post(
    '/api/join',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Ask to join with an invite link or the join code',
        description: NAME_RULES,
        body: JoinBody,
        response: withErrors({ 201: Type.Object({ status: StatusSchema }), 410: Type.Ref('Error') }),
      },
    },
    async (request, reply) => {
      invites.assertJoinCodeShape(request.body.code)
      const result = await invites.join(ctx, request.body, requestMeta(request))
      setSessionCookie(request, reply, result.token, SESSION_TTL_MS)
      return reply.status(201).send({ status: result.status })
    },
  )
}
