/** Safe response headers on everything, and refusal of state changes from other origins. */
import type { FastifyRequest } from 'fastify'
import type { App } from '../shared/app-types'
import { forbidden } from '../shared/errors'

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

export function registerSecurity(app: App, publicUrl: URL | null): void {
  const allowedOrigins = publicUrl ? [publicUrl.origin] : []

  app.addHook('onRequest', async (request, reply) => {
    const isUpgrade = request.headers.upgrade?.toLowerCase() === 'websocket'
    if (SAFE_METHODS.has(request.method) && !isUpgrade) return
    const refuse = () => {
      // This hook runs before @fastify/websocket's own, which would otherwise end the raw
      // socket of a refused upgrade; left open, it also keeps app.close() waiting forever.
      if (isUpgrade) reply.raw.once('finish', () => request.raw.socket?.destroy())
      return forbidden('bad_origin', 'This request came from another site and was refused.')
    }
    const origin = request.headers.origin
    if (origin !== undefined) {
      if (origin !== requestOrigin(request) && !allowedOrigins.includes(origin)) throw refuse()
      return
    }
    // No Origin header: old browsers and non-browser clients. Browsers that send
    // Sec-Fetch-Site tell us directly when a request is cross-site.
    if (request.headers['sec-fetch-site'] === 'cross-site') throw refuse()
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('x-frame-options', 'DENY')
    reply.header('referrer-policy', 'same-origin')
    reply.header('cross-origin-opener-policy', 'same-origin')
    reply.header('cross-origin-resource-policy', 'same-origin')
    reply.header('permissions-policy', 'camera=(self), microphone=(self), geolocation=(self), payment=()')
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000')
    // The matched route, not the raw URL: `/%61pi/...` is an API answer too.
    const route = request.routeOptions.url ?? request.url
    if (route.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
}
