/**
 * Uploads stored under DATA_DIR/files by content hash, typed from their bytes, limited in
 * size per file and per member, and served only to members who can see them.
 */
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { AppError, badRequest, notFound } from '../shared/errors'
import { cleanName } from '../shared/names'
import type { Actor } from '../auth/actor'
import { requireShop } from '../settings/service'
import type { AttachmentKind, FileKind } from '../db/schema'
import { imageSize, nameForType, sniff } from './sniff'
import * as repo from './repo'

const HEAD_BYTES = 256 * 1024
const MAX_THUMBNAIL_BYTES = 512 * 1024
export const MAX_ATTACHMENTS = 10

export interface FileView {
  id: number
  name: string
  mime: string
  kind: FileKind
  size: number
  width: number | null
  height: number | null
  url: string
}

export function filesDir(ctx: AppContext): string {
  return path.join(ctx.config.dataDir, 'files')
}

function blobPath(ctx: AppContext, sha256: string): string {
  return path.join(filesDir(ctx), sha256.slice(0, 2), sha256)
}

/** A file name safe to store and to put in a Content-Disposition header. */
export function cleanFileName(name: string | undefined): string {
  // cleanName drops bidirectional controls too, which could make "gpj.exe" display as "exe.jpg".
  const cleaned = cleanName(name ?? '')
    .replace(/[/\\<>:"|?*]+/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 200)
  return cleaned || 'file'
}

const tooLarge = (limitMb: number) =>
  new AppError(413, 'file_too_large', `Files can be at most ${limitMb} MB.`, { limitMb })

export interface UploadOptions {
  name?: string | undefined
  /** The client recorded audio (a voice note): a WebM or Ogg container is then audio. */
  isRecordedAudio?: boolean | undefined
  declaredLength?: number | undefined
  /** A tighter limit per file than the shop's (a profile photo). */
  maxBytes?: number | undefined
  /**
   * Refuses the upload from what it turned out to be, by throwing, before it is kept: the
   * bytes never reach storage and no file row is written.
   */
  accept?: ((upload: UploadCheck) => void) | undefined
}

/** What an upload turned out to be, for `UploadOptions.accept`. */
export interface UploadCheck {
  mime: string
  kind: FileKind
  size: number
  width: number | null
  height: number | null
}

/** Streams an upload to disk while hashing and counting; refuses it past the size limit. */
export async function storeUpload(
  ctx: AppContext,
  actor: Actor,
  stream: Readable,
  options: UploadOptions,
): Promise<FileView> {
  if (actor.member.role === 'display') throw new AppError(403, 'read_only', 'A wall display cannot upload files.')
  return storeFile(ctx, actor.member.id, stream, options)
}

/**
 * Stores a file for a member (counted against their quota) or, with a null uploader, for
 * someone outside the staff (a guest in a linked Telegram group): only the per-file limit applies.
 */
export async function storeFile(
  ctx: AppContext,
  uploaderId: number | null,
  stream: Readable,
  options: UploadOptions,
): Promise<FileView> {
  const shop = await requireShop(ctx)
  const limitBytes = Math.min(shop.maxFileMb * 1024 * 1024, options.maxBytes ?? Infinity)
  const limitMb = Math.round(limitBytes / 1024 / 1024)
  if (options.declaredLength !== undefined && options.declaredLength > limitBytes) {
    stream.resume()
    throw tooLarge(limitMb)
  }
  const tmpDir = path.join(filesDir(ctx), 'tmp')
  fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 })
  const tmpPath = path.join(tmpDir, randomBytes(12).toString('hex'))
  const hash = createHash('sha256')
  const headChunks: Buffer[] = []
  let headLength = 0
  let size = 0
  const out = fs.createWriteStream(tmpPath, { mode: 0o600 })
  try {
    await new Promise<void>((resolve, reject) => {
      let isRefused = false
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (isRefused) return
        if (size > limitBytes) {
          // Discard the rest rather than destroying the request: destroying it resets the
          // connection and the client never sees the 413.
          isRefused = true
          stream.resume()
          reject(tooLarge(limitMb))
          return
        }
        hash.update(chunk)
        if (headLength < HEAD_BYTES) {
          headChunks.push(chunk)
          headLength += chunk.length
        }
        if (!out.write(chunk)) {
          stream.pause()
          out.once('drain', () => stream.resume())
        }
      })
      stream.on('end', () => {
        if (!isRefused) out.end(() => resolve())
      })
      stream.on('error', reject)
      out.on('error', reject)
    })
  } catch (error) {
    out.destroy()
    fs.rmSync(tmpPath, { force: true })
    throw error
  }
  if (size === 0) {
    fs.rmSync(tmpPath, { force: true })
    throw badRequest('empty_file', 'That file is empty.')
  }
  const head = Buffer.concat(headChunks).subarray(0, HEAD_BYTES)
  let { mime, kind } = sniff(head)
  if (options.isRecordedAudio && (mime === 'video/webm' || mime === 'video/ogg' || mime === 'video/mp4')) {
    mime = mime.replace('video/', 'audio/')
    kind = 'audio'
  }
  const dims = kind === 'image' ? imageSize(head, mime) : null
  const sha256 = hash.digest('hex')
  try {
    options.accept?.({ mime, kind, size, width: dims?.width ?? null, height: dims?.height ?? null })
  } catch (error) {
    fs.rmSync(tmpPath, { force: true })
    throw error
  }

  const quotaBytes = shop.memberQuotaMb * 1024 * 1024
  try {
    return await ctx.write(async ({ trx, now }) => {
      if (uploaderId !== null) {
        const member = await trx
          .selectFrom('member')
          .select('upload_bytes')
          .where('id', '=', uploaderId)
          .executeTakeFirstOrThrow()
        if (member.upload_bytes + size > quotaBytes) {
          throw new AppError(413, 'quota_exceeded', 'You have used all the storage you are allowed. Ask a manager.')
        }
      }
      const finalPath = blobPath(ctx, sha256)
      fs.mkdirSync(path.dirname(finalPath), { recursive: true, mode: 0o700 })
      if (fs.existsSync(finalPath)) fs.rmSync(tmpPath, { force: true })
      else fs.renameSync(tmpPath, finalPath)
      const row = await repo.insertFile(trx, {
        sha256,
        size,
        mime,
        kind,
        name: nameForType(cleanFileName(options.name), mime),
        width: dims?.width ?? null,
        height: dims?.height ?? null,
        uploaded_by: uploaderId,
        created_at: now,
      })
      if (uploaderId !== null) await repo.addUploadBytes(trx, uploaderId, size)
      return toFileView(row)
    })
  } finally {
    fs.rmSync(tmpPath, { force: true })
  }
}

function toFileView(row: {
  id: number
  name: string
  mime: string
  kind: FileKind
  size: number
  width: number | null
  height: number | null
}): FileView {
  return {
    id: row.id,
    name: row.name,
    mime: row.mime,
    kind: row.kind,
    size: row.size,
    width: row.width,
    height: row.height,
    url: `/api/files/${row.id}`,
  }
}

export interface OpenedFile {
  path: string
  size: number
  mime: string
  name: string
  /** A strong validator: the bytes' own hash, so a browser can ask "still this?" cheaply. */
  etag: string
}

/** Finds a file the member may read, or its thumbnail (falling back to the image itself). */
export async function openFile(
  ctx: AppContext,
  actor: Actor,
  fileId: number,
  variant: 'original' | 'thumbnail',
): Promise<OpenedFile> {
  const file = await repo.selectFile(ctx.db, fileId)
  if (!file || !(await repo.isFileVisibleTo(ctx.db, fileId, actor.member.id))) {
    throw notFound('file_not_found', 'No such file, or you cannot see it.')
  }
  let target = file
  if (variant === 'thumbnail') {
    const thumb = file.thumbnail_id === null ? undefined : await repo.selectFile(ctx.db, file.thumbnail_id)
    if (thumb) target = thumb
    else if (file.kind !== 'image') throw notFound('file_not_found', 'That file has no thumbnail.')
  }
  const blob = blobPath(ctx, target.sha256)
  if (!fs.existsSync(blob)) throw notFound('file_missing', 'The file is missing from storage.')
  return {
    path: blob,
    size: target.size,
    mime: target.mime,
    name: nameForType(variant === 'thumbnail' ? `thumbnail-${file.name}` : file.name, target.mime),
    etag: `"${target.sha256}"`,
  }
}

/** Opens a stored file for a feature that has made its own access decision (avatars). */
export async function openStoredFile(ctx: AppContext, fileId: number): Promise<OpenedFile> {
  const file = await repo.selectFile(ctx.db, fileId)
  const blob = file ? blobPath(ctx, file.sha256) : null
  if (!file || !blob || !fs.existsSync(blob)) throw notFound('file_not_found', 'No such file.')
  return {
    path: blob,
    size: file.size,
    mime: file.mime,
    name: nameForType(file.name, file.mime),
    etag: `"${file.sha256}"`,
  }
}

export type AttachmentInput =
  | { fileId: number; thumbnailFileId?: number | undefined; name?: string | undefined }
  | { location: { latitude: number; longitude: number; accuracyM?: number | undefined } }

export interface AttachmentRow {
  kind: AttachmentKind
  file_id: number | null
  name: string
  latitude: number | null
  longitude: number | null
  accuracy_m: number | null
}

/** Checks that attachments are the sender's own uploads and links their thumbnails. */
export async function prepareAttachments(
  w: WriteContext,
  actor: Actor,
  inputs: readonly AttachmentInput[],
): Promise<AttachmentRow[]> {
  if (inputs.length > MAX_ATTACHMENTS)
    throw badRequest('too_many_attachments', `At most ${MAX_ATTACHMENTS} attachments.`)
  const rows: AttachmentRow[] = []
  for (const input of inputs) {
    if ('location' in input) {
      const { latitude, longitude, accuracyM } = input.location
      if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
        throw badRequest('invalid_location', 'That location is not on Earth.')
      rows.push({ kind: 'location', file_id: null, name: '', latitude, longitude, accuracy_m: accuracyM ?? null })
      continue
    }
    const file = await repo.selectFile(w.trx, input.fileId)
    if (!file || file.uploaded_by !== actor.member.id) {
      throw badRequest('invalid_attachment', 'Attach only files you uploaded yourself.')
    }
    if (input.thumbnailFileId !== undefined) {
      const thumb = await repo.selectFile(w.trx, input.thumbnailFileId)
      const isUsable =
        thumb && thumb.uploaded_by === actor.member.id && thumb.kind === 'image' && thumb.size <= MAX_THUMBNAIL_BYTES
      if (!isUsable) throw badRequest('invalid_thumbnail', 'A thumbnail must be a small image you uploaded.')
      await repo.setThumbnail(w.trx, file.id, thumb.id)
    }
    rows.push({
      kind: file.kind,
      file_id: file.id,
      name: nameForType(input.name === undefined ? file.name : cleanFileName(input.name), file.mime),
      latitude: null,
      longitude: null,
      accuracy_m: null,
    })
  }
  return rows
}

/**
 * Removes files nothing points at any more — deleted or expired messages, replaced photos,
 * uploads never sent — once they are a day old, and their bytes when no other row shares
 * them. Gives the space back to the uploader's quota.
 */
export async function deleteOrphanFiles(ctx: AppContext): Promise<number> {
  const cutoff = ctx.clock.now() - 86_400_000
  const removed = await ctx.write(async ({ trx }) => {
    const orphans = await repo.selectOrphans(trx, cutoff)
    for (const file of orphans) {
      await trx.deleteFrom('file').where('id', '=', file.id).execute()
      if (file.uploaded_by !== null) await repo.addUploadBytes(trx, file.uploaded_by, -file.size)
    }
    const gone: string[] = []
    for (const sha256 of new Set(orphans.map((f) => f.sha256))) {
      const other = await trx.selectFrom('file').select('id').where('sha256', '=', sha256).executeTakeFirst()
      if (!other) gone.push(sha256)
    }
    return { count: orphans.length, gone }
  })
  // Bytes go only after the rows are gone for good.
  for (const sha256 of removed.gone) fs.rmSync(blobPath(ctx, sha256), { force: true })
  return removed.count
}
