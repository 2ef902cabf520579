/**
 * What a Telegram message carries, taken in: its text, its location, and its one file,
 * fetched through getFile and stored like an upload. Files are fetched before the update's
 * transaction; one that never commits is swept as an orphan a day later.
 */
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { AppError } from '../shared/errors'
import { storeFile, type AttachmentInput } from '../files/service'
import type { Bridge } from './bridge'
import { classify, type TgMessage } from './client'

/** What a bot may download through getFile. */
export const DOWNLOAD_LIMIT = 20 * 1024 * 1024

export interface Content {
  body: string
  attachments: AttachmentInput[]
}

interface Media {
  fileId: string
  size: number | undefined
  name: string
}

/** The one file a message carries, with a name that says what it was. */
export function mediaOf(message: TgMessage): Media | null {
  const photo = message.photo?.at(-1)
  if (photo) return { fileId: photo.file_id, size: photo.file_size, name: 'photo.jpg' }
  if (message.video_note)
    return { fileId: message.video_note.file_id, size: message.video_note.file_size, name: 'round-video.mp4' }
  if (message.voice) return { fileId: message.voice.file_id, size: message.voice.file_size, name: 'voice-note.ogg' }
  if (message.video)
    return {
      fileId: message.video.file_id,
      size: message.video.file_size,
      name: (message.video as { file_name?: string }).file_name ?? 'video.mp4',
    }
  if (message.audio)
    return {
      fileId: message.audio.file_id,
      size: message.audio.file_size,
      name: (message.audio as { file_name?: string }).file_name ?? `${message.audio.title ?? 'audio'}.mp3`,
    }
  if (message.document)
    return {
      fileId: message.document.file_id,
      size: message.document.file_size,
      name: message.document.file_name ?? 'file',
    }
  if (message.animation)
    return { fileId: message.animation.file_id, size: message.animation.file_size, name: 'animation.mp4' }
  return null
}

/** The text and files of a message, downloaded and stored; or why it cannot be taken. */
export async function contentOf(
  bridge: Bridge,
  message: TgMessage,
  uploaderId: number | null,
): Promise<Content | { refusal: string }> {
  const body = message.text ?? message.caption ?? ''
  const attachments: AttachmentInput[] = []
  if (message.location) {
    attachments.push({ location: { latitude: message.location.latitude, longitude: message.location.longitude } })
  }
  const media = mediaOf(message)
  if (media) {
    if ((media.size ?? 0) > DOWNLOAD_LIMIT) {
      return {
        refusal: `That file is ${Math.round((media.size ?? 0) / 1024 / 1024)} MB; a bot can only take files up to 20 MB. Send it from the app instead.`,
      }
    }
    const fileId = await download(bridge, media.fileId, media.name, uploaderId)
    attachments.push({ fileId })
  }
  if (!body.trim() && attachments.length === 0) {
    return { refusal: 'I can pass on text, photos, videos, voice notes, round videos, audio, files and locations.' }
  }
  return { body, attachments }
}

/** Fetches one Telegram file and stores it like an upload; AppError 413 over what a bot may fetch. */
export async function download(
  bridge: Bridge,
  telegramFileId: string,
  name: string,
  uploaderId: number | null,
): Promise<number> {
  const api = bridge.clients?.api
  if (!api) throw new Error('no Telegram bot is connected')
  let link: string
  try {
    const file = await api.getFile(telegramFileId)
    if ((file.file_size ?? 0) > DOWNLOAD_LIMIT)
      throw new AppError(413, 'file_too_large', 'That file is larger than 20 MB.')
    link = await api.getFileLink(telegramFileId)
  } catch (error) {
    if (error instanceof AppError) throw error
    const failure = classify(error)
    if (failure.kind === 'refused' && /too big/i.test(failure.message)) {
      throw new AppError(
        413,
        'file_too_large',
        'That file is larger than 20 MB, the most a bot can fetch. Send it from the app instead.',
      )
    }
    throw new Error(`getFile failed: ${failure.message}`)
  }
  const response = await fetch(link, { signal: AbortSignal.timeout(120_000) })
  if (!response.ok || !response.body) throw new Error(`the file download answered ${response.status}`)
  const length = Number(response.headers.get('content-length') ?? '') || undefined
  const stored = await storeFile(
    bridge.ctx,
    uploaderId,
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    {
      name,
      declaredLength: length,
    },
  )
  return stored.id
}
