/**
 * Attachments in a message: photos as thumbnails sized before they load (no jumps), sharp
 * on 2× screens, that open in the full-screen viewer (photo-viewer.tsx, loaded on first
 * use), video and voice notes with the browser's own players (the server
 * supports Range, so they seek), files as download chips, and locations as map links.
 */
import type { ComponentType } from 'preact'
import { useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import type { AttachmentView } from './chat-api'
import { formatBytes, mapUrl } from './media'
import type { PhotoViewer as PhotoViewerType } from './photo-viewer'

type PhotoViewerComponent = typeof PhotoViewerType
let photoViewer: Promise<PhotoViewerComponent> | null = null

function loadPhotoViewer(): Promise<PhotoViewerComponent> {
  photoViewer ??= import('./photo-viewer').then((module) => module.PhotoViewer)
  // Offline at the first tap: try again at the next one.
  photoViewer.catch(() => (photoViewer = null))
  return photoViewer
}

const BOX = 240

/**
 * The thumbnail is 320 px on its long edge, enough for one CSS pixel per pixel; a 2× screen
 * gets the photo itself, which the phone already shrank to about 1600 px before sending.
 */
function srcSetOf(image: AttachmentView): string | undefined {
  if (!image.thumbnailUrl || !image.url) return undefined
  return `${image.thumbnailUrl} 1x, ${image.url} 2x`
}

/** Display size inside a BOX×BOX square, keeping the aspect ratio. */
function fit(width: number | null, height: number | null, box = BOX): { width: number; height: number } {
  if (!width || !height) return { width: box, height: Math.round(box * 0.75) }
  const scale = Math.min(box / width, box / height, 1)
  return { width: Math.max(48, Math.round(width * scale)), height: Math.max(48, Math.round(height * scale)) }
}

export function Attachments({ items }: { items: readonly AttachmentView[] }) {
  const [openIndex, setOpenIndex] = useState<number | null>(null)
  const [Viewer, setViewer] = useState<ComponentType<Parameters<PhotoViewerComponent>[0]> | null>(null)
  if (items.length === 0) return null
  const images = items.filter((item) => item.kind === 'image' && item.url)
  const others = items.filter((item) => !(item.kind === 'image' && item.url))
  return (
    <div class="atts">
      {images.length ? (
        <div class={images.length > 1 ? 'att-images att-images-grid' : 'att-images'}>
          {images.map((image, index) => {
            const size = images.length > 1 ? { width: 140, height: 140 } : fit(image.width, image.height)
            return (
              <button
                key={image.id}
                type="button"
                class="att-image"
                onPointerEnter={() => void loadPhotoViewer().catch(() => undefined)}
                onClick={() => {
                  setOpenIndex(index)
                  loadPhotoViewer().then(
                    (component) => setViewer(() => component),
                    () => {
                      setOpenIndex(null)
                      toast(t('app.unreachableText'), 'error')
                    },
                  )
                }}
                aria-label={t('chat.openPhoto', { name: image.name })}
              >
                <img
                  src={image.thumbnailUrl ?? image.url ?? ''}
                  srcSet={srcSetOf(image)}
                  width={size.width}
                  height={size.height}
                  alt={image.name}
                  decoding="async"
                />
              </button>
            )
          })}
        </div>
      ) : null}
      {others.map((item) => (
        <Attachment key={item.id} item={item} />
      ))}
      {openIndex !== null && Viewer ? (
        <Viewer images={images} startIndex={openIndex} onClose={() => setOpenIndex(null)} />
      ) : null}
    </div>
  )
}

function Attachment({ item }: { item: AttachmentView }) {
  if (item.kind === 'location' && item.latitude !== null && item.longitude !== null) {
    return <LocationChip latitude={item.latitude} longitude={item.longitude} accuracyM={item.accuracyM} />
  }
  if (!item.url) return null
  if (item.kind === 'video') {
    const size = fit(item.width, item.height)
    return (
      <video
        class="att-video"
        controls
        preload="metadata"
        src={item.url}
        poster={item.thumbnailUrl ?? undefined}
        width={size.width}
        height={size.height}
        aria-label={item.name}
      />
    )
  }
  if (item.kind === 'audio') {
    return (
      <div class="att-audio">
        <Icon name="mic" size={18} />
        <audio controls preload="metadata" src={item.url} aria-label={t('chat.voiceNoteNamed', { name: item.name })} />
      </div>
    )
  }
  return (
    <a class="att-file" href={item.url} download={item.name}>
      <span class="att-file-icon">
        <Icon name="file" size={20} />
      </span>
      <span class="att-file-text">
        <span class="att-file-name">{item.name}</span>
        {item.size !== null ? <span class="att-file-size">{formatBytes(item.size)}</span> : null}
      </span>
      <Icon name="download" size={18} />
    </a>
  )
}

export function LocationChip({
  latitude,
  longitude,
  accuracyM,
}: {
  latitude: number
  longitude: number
  accuracyM: number | null
}) {
  const coordinates = `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`
  return (
    <a class="att-file att-location" href={mapUrl(latitude, longitude)} target="_blank" rel="noopener noreferrer">
      <span class="att-file-icon">
        <Icon name="mapPin" size={20} />
      </span>
      <span class="att-file-text">
        <span class="att-file-name">{t('chat.location')}</span>
        <span class="att-file-size">
          {accuracyM !== null
            ? t('chat.coordinatesWithin', { coordinates, metres: Math.round(accuracyM) })
            : coordinates}
        </span>
      </span>
      <Icon name="external" size={18} />
    </a>
  )
}
