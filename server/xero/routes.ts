import { Type } from 'typebox'
import { actorOf } from '../auth/access'
import { publicOrigin, type App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, Nullable, withErrors } from '../shared/schemas'
import { SecretBox } from '../shared/secrets'
import { XeroConnection, attachXero } from './connection'

const tags = ['xero']
const TenantSchema = Type.Object({ id: Type.String(), name: Type.String() })
const ConnectionSchema = Type.Object({
  state: Type.Union([
    Type.Literal('disconnected'),
    Type.Literal('connected'),
    Type.Literal('reconnect'),
    Type.Literal('choose_tenant'),
  ]),
  kind: Nullable(Type.Union([Type.Literal('custom'), Type.Literal('oauth')])),
  organisation: Nullable(TenantSchema),
  tenants: Type.Array(TenantSchema),
  scopes: Type.Array(Type.String()),
  callsLeftToday: Nullable(Type.Integer()),
})
const Credential = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' })

/** The Xero connection's routes; answers the connection the Xero client takes its tokens from. */
export function registerXeroRoutes(app: App, ctx: AppContext): XeroConnection {
  const xero = new XeroConnection(ctx, SecretBox.open(ctx.config.dataDir))
  attachXero(ctx, xero)
  const manage = { permission: 'settings.manage' as const }

  app.get(
    '/api/xero/connection',
    {
      config: manage,
      schema: { tags, summary: 'The Xero connection', response: withErrors({ 200: ConnectionSchema }) },
    },
    async () => xero.view(),
  )

  app.put(
    '/api/xero/connection',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Connect a Xero Custom Connection',
        body: Body({ kind: Type.Literal('custom'), clientId: Credential(200), clientSecret: Credential(200) }),
        response: withErrors({ 200: ConnectionSchema, 503: Type.Ref('Error') }),
      },
    },
    async (request) => xero.connectCustom(actorOf(request), request.body.clientId, request.body.clientSecret),
  )

  app.post(
    '/api/xero/connection/authorize',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Start connecting Xero with OAuth 2.0 (PKCE)',
        description:
          "The client id (and a web app's secret) of the shop's Xero app; without them, those of the current OAuth connection (reconnecting). `writes` adds the scope to draft invoices.",
        body: Type.Optional(
          Body({
            clientId: Type.Optional(Credential(200)),
            clientSecret: Type.Optional(Credential(200)),
            writes: Type.Optional(Type.Boolean()),
          }),
        ),
        response: withErrors({ 200: Type.Object({ url: Type.String() }) }),
      },
    },
    async (request) => ({
      url: await xero.authorize(actorOf(request), publicOrigin(ctx, request), request.body ?? {}),
    }),
  )

  app.get(
    '/api/xero/callback',
    {
      // The owner's own browser comes back from Xero: its session cookie (SameSite=Lax) comes along.
      config: manage,
      schema: {
        tags,
        summary: 'Where Xero sends the browser back; redirects to the Xero page',
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 2_000 })),
          state: Type.Optional(Type.String({ maxLength: 200 })),
          error: Type.Optional(Type.String({ maxLength: 200 })),
          scope: Type.Optional(Type.String({ maxLength: 2_000 })),
          session_state: Type.Optional(Type.String({ maxLength: 2_000 })),
        }),
        response: withErrors({ 302: Type.Null() }),
      },
    },
    async (request, reply) => {
      const error = await xero.callback(actorOf(request), request.query)
      return reply.redirect(error ? `/xero?error=${encodeURIComponent(error)}` : '/xero', 302)
    },
  )

  app.put(
    '/api/xero/connection/tenant',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Choose the Xero organisation',
        body: Body({ tenantId: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: withErrors({ 200: ConnectionSchema }),
      },
    },
    async (request) => xero.chooseTenant(actorOf(request), request.body.tenantId),
  )

  app.delete(
    '/api/xero/connection',
    {
      config: manage,
      schema: { tags, summary: 'Disconnect Xero', response: withErrors({ 200: ConnectionSchema }) },
    },
    async (request) => {
      await xero.disconnect(actorOf(request))
      return xero.view()
    },
  )

  return xero
}
