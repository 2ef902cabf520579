/**
 * Session and trusted-device cookies: HttpOnly, SameSite=Lax, and over HTTPS also Secure
 * with the `__Host-` prefix (bound to this host, path /, no Domain). Over HTTPS only the
 * `__Host-` name is read: a plain-named cookie can be planted by anyone who can answer for
 * the host over plain HTTP (cookies ignore the scheme), so it must not count as a session.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'

const SESSION = 'bb_session'
const DEVICE = 'bb_device'
const DEVICE_MAX_AGE_S = 400 * 24 * 3600

function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https'
}

function nameFor(request: FastifyRequest, base: string): string {
  return isSecure(request) ? `__Host-${base}` : base
}

function read(request: FastifyRequest, base: string): string | null {
  return request.cookies[nameFor(request, base)] ?? null
}

export const readSessionCookie = (request: FastifyRequest) => read(request, SESSION)
export const readDeviceCookie = (request: FastifyRequest) => read(request, DEVICE)

function set(request: FastifyRequest, reply: FastifyReply, base: string, value: string, maxAge?: number): void {
  reply.setCookie(nameFor(request, base), value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure(request),
    ...(maxAge === undefined ? {} : { maxAge }),
  })
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number): void {
  set(request, reply, SESSION, token, Math.floor(maxAgeMs / 1000))
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  set(request, reply, SESSION, '', 0)
  // A plain one left from before HTTPS was set up goes too, though it is no longer read.
  if (isSecure(request))
    reply.setCookie(SESSION, '', { path: '/', httpOnly: true, sameSite: 'lax', secure: true, maxAge: 0 })
}

export function setDeviceCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  set(request, reply, DEVICE, token, DEVICE_MAX_AGE_S)
}
