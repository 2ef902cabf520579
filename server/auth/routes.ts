import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import { requestMeta } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Ok, withErrors, IdParams } from '../shared/schemas'
import { requireShop } from '../settings/service'
import { actorOf } from './access'
import { clearSessionCookie, readDeviceCookie, readSessionCookie, setDeviceCookie, setSessionCookie } from './cookies'
import * as auth from './service'
import { LoginBody, MeResponse, PasswordBody, SessionSchema, SetupBody, SetupStatus } from './schemas'
import type { LoginThrottle } from './throttle'
import type { Actor } from './actor'

async function meOf(ctx: AppContext, actor: Actor) {
  const shop = await requireShop(ctx)
  return {
    member: await auth.getMe(ctx, actor),
    shop: { name: shop.name, timezone: shop.timezone, maxFileMb: shop.maxFileMb },
    sessionId: actor.sessionId,
  }
}

export function registerAuthRoutes(app: App, ctx: AppContext, throttle: LoginThrottle): void {
  app.get(
    '/api/setup',
    {
      config: { access: 'always' },
      schema: { tags: ['setup'], summary: 'Whether first-run setup is still needed', response: { 200: SetupStatus } },
    },
    async (request) => {
      // Whether this browser holds a live session: a signed-out app then shows the sign-in
      // page without first asking /api/me for a 401 that every browser logs as an error.
      const token = readSessionCookie(request)
      const hasSession = token ? (await auth.resolveSession(ctx, token, request.ip)) !== null : false
      return { isSetupRequired: !(await auth.isSetupDone(ctx)), hasSession, version: ctx.version }
    },
  )

  app.post(
    '/api/setup',
    {
      config: { access: 'always', rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        tags: ['setup'],
        summary: 'Complete first-run setup',
        body: SetupBody,
        response: withErrors({ 201: MeResponse }),
      },
    },
    async (request, reply) => {
      const signedIn = await auth.completeSetup(ctx, request.body, requestMeta(request))
      setSessionCookie(request, reply, signedIn.token, auth.SESSION_TTL_MS)
      const actor: Actor = { member: signedIn.member, permissions: [], sessionId: signedIn.sessionId, ip: request.ip }
      return reply.status(201).send(await meOf(ctx, actor))
    },
  )

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: { tags: ['auth'], summary: 'Sign in', body: LoginBody, response: withErrors({ 200: MeResponse }) },
    },
    async (request, reply) => {
      const result = await auth.login(
        ctx,
        throttle,
        { ...request.body, deviceToken: readDeviceCookie(request) },
        requestMeta(request),
      )
      setSessionCookie(request, reply, result.token, auth.SESSION_TTL_MS)
      if (result.newDeviceToken) setDeviceCookie(request, reply, result.newDeviceToken)
      const actor: Actor = { member: result.member, permissions: [], sessionId: result.sessionId, ip: request.ip }
      return meOf(ctx, actor)
    },
  )

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'pending' },
      schema: { tags: ['auth'], summary: 'Sign out this device', response: withErrors({ 200: Ok }) },
      // The browser drops its copies of private files (photos, attachments) so the next person
      // on a shared phone cannot open them from its cache; also when the session had already
      // ended, so the app can ask for this after being signed out by the server.
      onSend: async (_request, reply, payload) => {
        reply.header('clear-site-data', '"cache"')
        return payload
      },
    },
    async (request, reply) => {
      await auth.logout(ctx, actorOf(request))
      clearSessionCookie(request, reply)
      return { ok: true as const }
    },
  )

  app.get(
    '/api/me',
    {
      config: { access: 'pending' },
      schema: { tags: ['account'], summary: 'The signed-in member', response: withErrors({ 200: MeResponse }) },
    },
    async (request) => meOf(ctx, actorOf(request)),
  )

  app.post(
    '/api/me/password',
    {
      config: { rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        tags: ['account'],
        summary: 'Change my password',
        body: PasswordBody,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await auth.changePassword(ctx, actorOf(request), request.body)
      return { ok: true as const }
    },
  )

  app.get(
    '/api/me/sessions',
    {
      config: { access: 'pending' },
      schema: {
        tags: ['account'],
        summary: 'My signed-in devices',
        response: withErrors({ 200: Type.Array(SessionSchema) }),
      },
    },
    async (request) => auth.listSessions(ctx, actorOf(request)),
  )

  app.delete(
    '/api/me/sessions/:id',
    {
      config: { access: 'pending' },
      schema: {
        tags: ['account'],
        summary: 'Sign out one device',
        params: IdParams,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request)
      await auth.revokeSessions(ctx, actor, request.params.id)
      if (request.params.id === actor.sessionId) clearSessionCookie(request, reply)
      return { ok: true as const }
    },
  )

  app.post(
    '/api/me/sessions/revoke-others',
    {
      config: { access: 'pending' },
      schema: {
        tags: ['account'],
        summary: 'Sign out every other device',
        response: withErrors({ 200: Type.Object({ ended: Type.Integer() }) }),
      },
    },
    async (request) => ({ ended: await auth.revokeSessions(ctx, actorOf(request), 'others') }),
  )
}
