/**
 * Preparing media on the phone before upload: photos are scaled to about 1600 px on the
 * long edge and re-encoded as JPEG, with a 320 px thumbnail, so a 5 MB camera photo
 * becomes a few hundred kB on the shop Wi-Fi. Sizes and durations are formatted here.
 */
import { locale } from '../../lib/i18n'

export const PHOTO_EDGE = 1600
export const THUMB_EDGE = 320

export interface PreparedPhoto {
  photo: Blob
  thumbnail: Blob
  width: number
  height: number
}

type Source = ImageBitmap | HTMLImageElement

async function decode(file: Blob): Promise<Source> {
  if (typeof createImageBitmap === 'function') {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' })
    } catch {
      // Some browsers refuse the options or the format: try an <img>.
    }
  }
  const url = URL.createObjectURL(file)
  try {
    const image = new Image()
    image.src = url
    await image.decode()
    return image
  } finally {
    URL.revokeObjectURL(url)
  }
}

function sizeOf(source: Source): { width: number; height: number } {
  return source instanceof HTMLImageElement
    ? { width: source.naturalWidth, height: source.naturalHeight }
    : { width: source.width, height: source.height }
}

function encode(source: Source, edge: number, quality: number): Promise<{ blob: Blob; width: number; height: number }> {
  const { width, height } = sizeOf(source)
  const scale = Math.min(1, edge / Math.max(width, height))
  const w = Math.max(1, Math.round(width * scale))
  const h = Math.max(1, Math.round(height * scale))
  const canvas = document.createElement('canvas')
  canvas.width = w
  canvas.height = h
  const context = canvas.getContext('2d')
  if (!context) return Promise.reject(new Error('no canvas'))
  // JPEG has no transparency: put transparent PNGs on white rather than black.
  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, w, h)
  context.imageSmoothingQuality = 'high'
  context.drawImage(source, 0, 0, w, h)
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve({ blob, width: w, height: h }) : reject(new Error('encode failed'))),
      'image/jpeg',
      quality,
    ),
  )
}

/** Whether a picked file is a photo we should shrink (not GIFs: they may move). */
export function isCompressible(file: File): boolean {
  return /^image\/(jpeg|png|webp|heic|heif|avif|bmp)$/i.test(file.type)
}

/** Shrinks a photo and makes its thumbnail; null when this browser cannot read the image. */
export async function preparePhoto(file: File): Promise<PreparedPhoto | null> {
  let source: Source
  try {
    source = await decode(file)
  } catch {
    return null
  }
  try {
    const full = await encode(source, PHOTO_EDGE, 0.8)
    const thumb = await encode(source, THUMB_EDGE, 0.75)
    const original = sizeOf(source)
    // A photo that is already small and JPEG stays as it is.
    const isOriginalBetter =
      file.type === 'image/jpeg' &&
      Math.max(original.width, original.height) <= PHOTO_EDGE &&
      file.size <= full.blob.size
    return {
      photo: isOriginalBetter ? file : full.blob,
      thumbnail: thumb.blob,
      width: isOriginalBetter ? original.width : full.width,
      height: isOriginalBetter ? original.height : full.height,
    }
  } catch {
    return null
  } finally {
    if ('close' in source) source.close()
  }
}

/** A photo's name after re-encoding as JPEG. */
export function jpegName(name: string): string {
  const base = name.replace(/\.[^.]+$/, '') || 'photo'
  return `${base}.jpg`
}

const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value)
}

/** 0:07, 1:23 */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/** A link to the spot on OpenStreetMap. */
export function mapUrl(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6)
  const lon = longitude.toFixed(6)
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`
}
