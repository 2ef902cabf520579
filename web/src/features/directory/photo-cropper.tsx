/**
 * Choosing a profile photo: a centred square crop with a zoom slider, shrunk in the
 * browser to a 512 px JPEG before upload, so a 12-megapixel phone photo costs the shop's
 * box about 60 kB instead of 5 MB.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'

export const PHOTO_SIZE = 512
const PREVIEW_SIZE = 240

/** The centred square of `image` at `zoom` (1 = the largest square that fits). */
function sourceSquare(image: HTMLImageElement, zoom: number) {
  const side = Math.min(image.naturalWidth, image.naturalHeight) / zoom
  return { x: (image.naturalWidth - side) / 2, y: (image.naturalHeight - side) / 2, side }
}

function drawSquare(canvas: HTMLCanvasElement, image: HTMLImageElement, zoom: number, size: number): void {
  canvas.width = size
  canvas.height = size
  const context = canvas.getContext('2d')
  if (!context) return
  context.imageSmoothingEnabled = true
  context.imageSmoothingQuality = 'high'
  // A transparent PNG would turn black as JPEG: lay it on white.
  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, size, size)
  const { x, y, side } = sourceSquare(image, zoom)
  context.drawImage(image, x, y, side, side, 0, 0, size, size)
}

/** The crop as a square JPEG of PHOTO_SIZE pixels. */
export function cropToJpeg(image: HTMLImageElement, zoom: number): Promise<Blob> {
  const canvas = document.createElement('canvas')
  drawSquare(canvas, image, zoom, PHOTO_SIZE)
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no blob'))), 'image/jpeg', 0.86)
  })
}

interface CropperProps {
  file: File
  isBusy: boolean
  onCancel: () => void
  onDone: (photo: Blob) => void
}

export function PhotoCropper({ file, isBusy, onCancel, onDone }: CropperProps) {
  const [image, setImage] = useState<HTMLImageElement | null>(null)
  const [isBroken, setBroken] = useState(false)
  const [zoom, setZoom] = useState(1)
  const canvas = useRef<HTMLCanvasElement>(null)
  const zoomId = useId()

  useEffect(() => {
    const url = URL.createObjectURL(file)
    const img = new Image()
    img.onload = () => setImage(img)
    img.onerror = () => setBroken(true)
    img.src = url
    return () => {
      img.onload = null
      img.onerror = null
      URL.revokeObjectURL(url)
    }
  }, [file])

  useEffect(() => {
    if (image && canvas.current) drawSquare(canvas.current, image, zoom, PREVIEW_SIZE * (window.devicePixelRatio || 1))
  }, [image, zoom])

  if (isBroken) {
    return (
      <div class="cropper">
        <p class="form-error" role="alert">
          {t('directory.photoUnreadable')}
        </p>
        <Button onClick={onCancel}>{t('common.cancel')}</Button>
      </div>
    )
  }

  return (
    <div class="cropper" data-testid="photo-cropper">
      <canvas ref={canvas} class="cropper-preview" role="img" aria-label={t('directory.photoPreview')} />
      <div class="field cropper-zoom">
        <label class="field-label" for={zoomId}>
          {t('directory.zoom')}
        </label>
        <input
          id={zoomId}
          type="range"
          min={1}
          max={3}
          step={0.01}
          value={zoom}
          disabled={!image}
          onInput={(event) => setZoom(Number(event.currentTarget.value))}
        />
      </div>
      <div class="form-actions">
        <Button onClick={onCancel} disabled={isBusy}>
          {t('common.cancel')}
        </Button>
        <Button
          variant="primary"
          isBusy={isBusy}
          disabled={!image}
          onClick={async () => {
            if (image) onDone(await cropToJpeg(image, zoom))
          }}
        >
          {t('directory.usePhoto')}
        </Button>
      </div>
    </div>
  )
}
