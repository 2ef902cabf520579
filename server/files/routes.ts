import fs from 'node:fs'
import { Type } from 'typebox'
import type { FastifyReply } from 'fastify'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { badRequest } from '../shared/errors'
import { IdParams, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { isInlineSafe } from './sniff'
import { openFile, storeUpload, type OpenedFile } from './service'

const FileSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  mime: Type.String(),
  kind: Type.Union([Type.Literal('image'), Type.Literal('video'), Type.Literal('audio'), Type.Literal('file')]),
  size: Type.Integer(),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.String(),
})

const UploadQuery = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 255 })), recorded: Type.Optional(Type.Literal('audio')) },
  { additionalProperties: false },
)

/** A file's own sandbox: even if a browser were tricked into rendering it, nothing runs. */
const FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"

function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks). */
function isNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

/**
 * Sends a file with Range support so audio and video can seek. Only call it once the
 * caller's access check has passed: even a 304 tells the browser it may show its copy.
 */
export function sendFile(reply: FastifyReply, file: OpenedFile, range: string | undefined) {
  const isInline = isInlineSafe(file.mime)
  const headers = reply.request.headers
  // Never reused without asking: the server checks the session on every use, so a signed-out
  // browser (or the next person on a shared phone) gets a 401 rather than a cached copy.
  // Asking is cheap: the ETag answers 304 without the bytes.
  reply.header('cache-control', 'private, no-cache').header('vary', 'Cookie').header('etag', file.etag)
  if (isNoneMatch(headers['if-none-match'], file.etag)) return reply.status(304).send()
  reply
    .header('content-type', isInline ? file.mime : 'application/octet-stream')
    .header('content-disposition', contentDisposition(isInline ? 'inline' : 'attachment', file.name))
    .header('content-security-policy', FILE_CSP)
    .header('accept-ranges', 'bytes')
  // A range of a different version of the file would splice two files together.
  const ifRange = headers['if-range']
  const wanted = typeof ifRange === 'string' && ifRange.trim() !== file.etag ? undefined : range
  const match = wanted ? /^bytes=(\d*)-(\d*)$/.exec(wanted.trim()) : null
  if (wanted && !match) {
    return reply.status(416).header('content-range', `bytes */${file.size}`).send()
  }
  if (match) {
    let start = match[1] === '' ? NaN : Number(match[1])
    let end = match[2] === '' ? file.size - 1 : Number(match[2])
    if (Number.isNaN(start)) {
      // A suffix range: the last N bytes.
      start = Math.max(0, file.size - end)
      end = file.size - 1
    }
    end = Math.min(end, file.size - 1)
    if (start > end || start >= file.size) {
      return reply.status(416).header('content-range', `bytes */${file.size}`).send()
    }
    return reply
      .status(206)
      .header('content-range', `bytes ${start}-${end}/${file.size}`)
      .header('content-length', String(end - start + 1))
      .send(fs.createReadStream(file.path, { start, end }))
  }
  return reply.header('content-length', String(file.size)).send(fs.createReadStream(file.path))
}

/** Routes whose request body is a raw file, left unread for the handler to stream (request.raw). */
export function rawBodyRoutes(app: App, register: (scope: App) => void): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
    register(scope as App)
  })
}

export function registerFileRoutes(app: App, ctx: AppContext): void {
  const tags = ['files']

  // Uploads arrive as the raw file body and are streamed to disk, never held in memory.
  rawBodyRoutes(app, (uploads) => {
    uploads.post(
      '/api/files',
      {
        config: { rateLimit: { max: 60, timeWindow: 60_000 } },
        schema: {
          tags,
          summary: 'Upload a file (the request body is the file)',
          querystring: UploadQuery,
          response: withErrors({ 201: FileSchema, 413: Type.Ref('Error') }),
        },
      },
      async (request, reply) => {
        const length = request.headers['content-length']
        if (length !== undefined && !/^\d+$/.test(length))
          throw badRequest('invalid_content_length', 'Bad Content-Length.')
        const query = request.query as { name?: string; recorded?: 'audio' }
        const file = await storeUpload(ctx, actorOf(request), request.raw, {
          name: query.name,
          isRecordedAudio: query.recorded === 'audio',
          declaredLength: length === undefined ? undefined : Number(length),
        })
        return reply.status(201).send(file)
      },
    )
  })

  for (const variant of ['original', 'thumbnail'] as const) {
    app.get(
      variant === 'original' ? '/api/files/:id' : '/api/files/:id/thumbnail',
      {
        schema: {
          tags,
          summary: variant === 'original' ? 'Download or stream a file (Range supported)' : "A file's thumbnail",
          params: IdParams,
          response: withErrors({ 200: Type.Unknown(), 206: Type.Unknown(), 304: Type.Unknown(), 416: Type.Unknown() }),
        },
      },
      async (request, reply) => {
        const file = await openFile(ctx, actorOf(request), request.params.id, variant)
        return sendFile(reply, file, request.headers.range)
      },
    )
  }
}
