/**
 * The attachments being composed, shared by chat and the notice form: each file uploads as
 * soon as it is picked, with its progress and a clear error.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { t } from '../../lib/i18n'
import { Icon, type IconName } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { uploadErrorMessage, uploadFile, type AttachmentInput } from './chat-api'
import { formatBytes, formatDuration, isCompressible, jpegName, preparePhoto } from './media'
import type { PendingAttachment } from './outbox'
import { exceededLimitMb, learnUploadLimit } from './upload-limit'

export const MAX_ATTACHMENTS = 10

export interface TrayItem {
  id: string
  kind: PendingAttachment['kind']
  name: string
  size: number | null
  previewUrl: string | null
  progress: number
  status: 'preparing' | 'uploading' | 'ready' | 'error'
  error: string | null
  /** False when trying again cannot help: the file is larger than the server accepts. */
  canRetry: boolean
  input: AttachmentInput | null
  detail: string | null
}

/** Thrown before uploading a file the server is known to refuse, so no request is made. */
class TooLargeBeforeUpload extends Error {
  constructor(
    readonly size: number,
    readonly limitMb: number,
  ) {
    super('file too large')
  }
}

function checkSize(blob: Blob): void {
  const limitMb = exceededLimitMb(blob.size)
  if (limitMb !== null) throw new TooLargeBeforeUpload(blob.size, limitMb)
}

let nextTrayId = 1

export interface AttachmentTray {
  items: readonly TrayItem[]
  isBusy: boolean
  inputs: AttachmentInput[]
  labels: PendingAttachment[]
  addFiles(files: readonly File[], intent: 'photo' | 'video' | 'file'): void
  addVoice(blob: Blob, durationMs: number): void
  addLocation(): void
  remove(id: string): void
  retry(id: string): void
  clear(): void
}

/** State and uploads of the attachments being composed. */
export function useAttachmentTray(): AttachmentTray {
  const [items, setItems] = useState<readonly TrayItem[]>([])
  const latest = useRef(items)
  latest.current = items
  const sources = useRef(new Map<string, { blob: Blob; name: string; intent: 'photo' | 'other' | 'voice' }>())

  useEffect(
    () => () => {
      for (const item of latest.current) if (item.previewUrl) URL.revokeObjectURL(item.previewUrl)
    },
    [],
  )

  const patch = (id: string, change: Partial<TrayItem>) =>
    setItems((list) => list.map((item) => (item.id === id ? { ...item, ...change } : item)))

  const upload = async (id: string) => {
    const source = sources.current.get(id)
    if (!source) return
    patch(id, {
      status: source.intent === 'photo' ? 'preparing' : 'uploading',
      error: null,
      canRetry: true,
      progress: 0,
    })
    try {
      if (source.intent === 'photo') {
        const prepared = await preparePhoto(source.blob as File)
        if (prepared) {
          checkSize(prepared.photo)
          patch(id, { status: 'uploading' })
          const thumbnail = await uploadFile(prepared.thumbnail, { name: 'thumbnail-' + jpegName(source.name) })
          const name = prepared.photo === source.blob ? source.name : jpegName(source.name)
          const photo = await uploadFile(prepared.photo, {
            name,
            onProgress: (fraction) => patch(id, { progress: fraction }),
          })
          patch(id, {
            status: 'ready',
            progress: 1,
            size: photo.size,
            name,
            input: { fileId: photo.id, thumbnailFileId: thumbnail.id, name },
          })
          return
        }
      }
      checkSize(source.blob)
      patch(id, { status: 'uploading' })
      const file = await uploadFile(source.blob, {
        name: source.name,
        isRecordedAudio: source.intent === 'voice',
        onProgress: (fraction) => patch(id, { progress: fraction }),
      })
      patch(id, {
        status: 'ready',
        progress: 1,
        kind: file.kind,
        input: { fileId: file.id, name: source.name },
      })
    } catch (error) {
      if (error instanceof TooLargeBeforeUpload) {
        patch(id, {
          status: 'error',
          canRetry: false,
          error: t('chat.fileTooLargeBefore', { size: formatBytes(error.size), mb: error.limitMb }),
        })
        return
      }
      const isTooLarge = learnUploadLimit(error)
      patch(id, {
        status: 'error',
        canRetry: !isTooLarge,
        error: error instanceof ApiError && error.status === 0 ? t('chat.uploadOffline') : uploadErrorMessage(error),
      })
    }
  }

  const add = (
    item: Omit<TrayItem, 'id' | 'progress' | 'status' | 'error' | 'canRetry' | 'input'>,
    blob: Blob,
    intent: 'photo' | 'other' | 'voice',
  ) => {
    if (latest.current.length >= MAX_ATTACHMENTS) {
      toast(t('chat.tooManyAttachments', { count: MAX_ATTACHMENTS }), 'error')
      return
    }
    const id = `a${nextTrayId++}`
    sources.current.set(id, { blob, name: item.name, intent })
    const full: TrayItem = { ...item, id, progress: 0, status: 'uploading', error: null, canRetry: true, input: null }
    latest.current = [...latest.current, full]
    setItems(latest.current)
    void upload(id)
  }

  const ready = items.filter((item) => item.status === 'ready' && item.input)
  return {
    items,
    isBusy: items.some((item) => item.status === 'preparing' || item.status === 'uploading'),
    inputs: ready.map((item) => item.input as AttachmentInput),
    labels: ready.map((item) => ({ kind: item.kind, name: item.name })),
    addFiles(files, intent) {
      for (const file of files) {
        const isPhoto = intent !== 'video' && isCompressible(file)
        const kind = file.type.startsWith('image/') ? 'image' : file.type.startsWith('video/') ? 'video' : 'file'
        add(
          {
            kind,
            name: file.name || (kind === 'image' ? 'photo.jpg' : 'file'),
            size: file.size,
            previewUrl: kind === 'image' ? URL.createObjectURL(file) : null,
            detail: null,
          },
          file,
          isPhoto ? 'photo' : 'other',
        )
      }
    },
    addVoice(blob, durationMs) {
      const extension = blob.type.includes('mp4') ? 'm4a' : blob.type.includes('ogg') ? 'ogg' : 'webm'
      const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')
      add(
        {
          kind: 'audio',
          name: `voice-note-${stamp}.${extension}`,
          size: blob.size,
          previewUrl: null,
          detail: formatDuration(durationMs),
        },
        blob,
        'voice',
      )
    },
    addLocation() {
      if (!('geolocation' in navigator) || !window.isSecureContext) {
        toast(t('chat.locationNeedsHttps'), 'error')
        return
      }
      if (latest.current.length >= MAX_ATTACHMENTS) return
      const id = `a${nextTrayId++}`
      latest.current = [
        ...latest.current,
        {
          id,
          kind: 'location',
          name: t('chat.location'),
          size: null,
          previewUrl: null,
          progress: 0,
          status: 'preparing',
          error: null,
          canRetry: false,
          input: null,
          detail: t('chat.findingLocation'),
        },
      ]
      setItems(latest.current)
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const { latitude, longitude, accuracy } = position.coords
          patch(id, {
            status: 'ready',
            progress: 1,
            detail: `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`,
            input: { location: { latitude, longitude, accuracyM: Math.min(accuracy, 1_000_000) } },
          })
        },
        (error) => {
          patch(id, {
            status: 'error',
            detail: null,
            error: error.code === error.PERMISSION_DENIED ? t('chat.locationDenied') : t('chat.locationFailed'),
          })
        },
        { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
      )
    },
    remove(id) {
      const item = latest.current.find((candidate) => candidate.id === id)
      if (item?.previewUrl) URL.revokeObjectURL(item.previewUrl)
      sources.current.delete(id)
      latest.current = latest.current.filter((candidate) => candidate.id !== id)
      setItems(latest.current)
    },
    retry(id) {
      if (sources.current.has(id)) void upload(id)
    },
    clear() {
      for (const item of latest.current) if (item.previewUrl) URL.revokeObjectURL(item.previewUrl)
      sources.current.clear()
      latest.current = []
      setItems([])
    },
  }
}

const KIND_ICON: Record<TrayItem['kind'], IconName> = {
  image: 'image',
  video: 'video',
  audio: 'mic',
  file: 'file',
  location: 'mapPin',
}

/** The attachments being composed, each with its progress or error. */
export function TrayView({ tray }: { tray: AttachmentTray }) {
  if (tray.items.length === 0) return null
  return (
    <ul class="tray" aria-label={t('chat.attachments')}>
      {tray.items.map((item) => (
        <li key={item.id} class={`tray-item tray-${item.status}`}>
          {item.previewUrl ? (
            <img class="tray-preview" src={item.previewUrl} alt="" width={44} height={44} />
          ) : (
            <span class="tray-preview tray-icon">
              <Icon name={KIND_ICON[item.kind]} size={20} />
            </span>
          )}
          <span class="tray-text">
            <span class="tray-name">{item.name}</span>
            <span class="tray-detail" role={item.status === 'error' ? 'alert' : undefined}>
              {item.status === 'error'
                ? item.error
                : item.status === 'preparing'
                  ? (item.detail ?? t('chat.preparing'))
                  : item.status === 'uploading'
                    ? t('chat.uploading', { percent: Math.round(item.progress * 100) })
                    : [item.detail, item.size !== null ? formatBytes(item.size) : null].filter(Boolean).join(' · ')}
            </span>
            {item.status === 'uploading' ? (
              <progress
                class="tray-progress"
                max={1}
                value={item.progress}
                aria-label={t('chat.uploadingNamed', { name: item.name })}
              />
            ) : null}
          </span>
          {item.status === 'error' && item.canRetry && item.kind !== 'location' ? (
            <button
              type="button"
              class="icon-button"
              aria-label={t('chat.retryUploadNamed', { name: item.name })}
              onClick={() => tray.retry(item.id)}
            >
              <Icon name="refresh" size={18} />
            </button>
          ) : null}
          <button
            type="button"
            class="icon-button"
            aria-label={t('chat.removeAttachmentNamed', { name: item.name })}
            onClick={() => tray.remove(item.id)}
          >
            <Icon name="x" size={18} />
          </button>
        </li>
      ))}
    </ul>
  )
}
