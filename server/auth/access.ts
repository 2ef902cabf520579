/**
 * Who may call a route, declared on the route itself and checked before anything else
 * runs. Decided by the route that matched, never by the URL: the router decodes and
 * matches spellings (`/%61pi/audit`) that a test on the raw URL would miss. Secure by
 * default: any route that says nothing, wherever it lives, needs an active member.
 *
 * - `always`: no setup and no session needed (health, setup, OpenAPI);
 * - `public`: no session needed once the shop is set up (sign-in, join);
 * - `pending`: a session whose member may still be waiting for approval;
 * - `member` (default): an active member.
 */
import type { RouteOptions } from 'fastify'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { conflict, forbidden, unauthorized } from '../shared/errors'
import type { Actor } from './actor'
import { readSessionCookie } from './cookies'
import type { Permission } from './permissions'
import { isSetupDone, resolveSession } from './service'

export type Access = 'always' | 'public' | 'pending' | 'member'

/** One route's declared access; `access` is what applies (the default filled in). */
export interface DeclaredAccess {
  method: string
  url: string
  access: Access
  permission: Permission | null
  isOwnerOnly: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
    permission?: Permission
    ownerOnly?: boolean
  }
  interface FastifyRequest {
    actor: Actor | null
  }
  interface FastifyInstance {
    /** Every route with the access it declares, as registered: for sweeps that check each. */
    declaredAccess(): readonly DeclaredAccess[]
  }
}

/** The actor of a request whose route required a session. */
export function actorOf(request: { actor: Actor | null }): Actor {
  if (!request.actor) throw unauthorized()
  return request.actor
}

/**
 * Gives every route registered in `scope` (and in its children, never its parent) the
 * access `access` unless the route declares its own: for plugins that register routes
 * without taking route options, such as the static files of the web app.
 */
export function declareAccessOfScope(scope: App, access: Access): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: route.config?.access ?? access }
  })
}

export function registerAccess(app: App, ctx: AppContext): void {
  let isSetup = false
  app.decorateRequest('actor', null)
  // Read when asked, not when registered: hooks of a plugin's own scope run later and may
  // still fill in the access of its routes (the web app's static files).
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => void routes.push(route))
  app.decorate('declaredAccess', () =>
    routes.flatMap((route) =>
      [route.method].flat().map((method) => ({
        method,
        url: route.url,
        access: route.config?.access ?? 'member',
        permission: route.config?.permission ?? null,
        isOwnerOnly: route.config?.ownerOnly === true,
      })),
    ),
  )
  app.addHook('onRequest', async (request) => {
    // No route matched: the not-found handler answers, and it reveals nothing.
    if (request.is404) return
    const config = request.routeOptions.config
    const access: Access = config.access ?? 'member'
    if (access === 'always') return
    if (!isSetup) {
      isSetup = await isSetupDone(ctx)
      if (!isSetup) throw conflict('setup_required', 'Backboard has not been set up yet.')
    }
    if (access === 'public') return
    const token = readSessionCookie(request)
    const resolved = token ? await resolveSession(ctx, token, request.ip) : null
    if (!resolved) throw unauthorized()
    const { member, session, permissions } = resolved
    request.actor = { member, permissions, sessionId: session.id, ip: request.ip }
    if (access === 'member' && member.status !== 'active') {
      throw forbidden('pending_approval', 'A manager has not approved your account yet.')
    }
    if (config.ownerOnly && member.role !== 'owner') throw forbidden()
    if (config.permission && !permissions.includes(config.permission)) throw forbidden()
  })
}
