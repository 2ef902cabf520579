/**
 * A message's photos full screen: pinch or double-tap to zoom, drag to look around a zoomed
 * photo, swipe sideways for the next one and down to close. Escape and the phone's back
 * gesture close it too, because opening it adds a history entry. Loaded on first use, so
 * it costs the first load of the board nothing.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Icon } from '../../ui/icons'
import type { AttachmentView } from './chat-api'

const MAX_ZOOM = 5
const DOUBLE_TAP_ZOOM = 2.5
const DOUBLE_TAP_MS = 300
/** How far a finger must travel before a swipe counts, in CSS pixels. */
const SWIPE_PX = 60

interface View {
  scale: number
  x: number
  y: number
}

const RESTING: View = { scale: 1, x: 0, y: 0 }

interface Props {
  images: readonly AttachmentView[]
  startIndex: number
  onClose: () => void
}

export function PhotoViewer({ images, startIndex, onClose }: Props) {
  const [index, setIndex] = useState(startIndex)
  const [view, setView] = useState<View>(RESTING)
  const [swipe, setSwipe] = useState({ x: 0, y: 0 })
  const dialog = useRef<HTMLDialogElement>(null)
  const latestClose = useRef(onClose)
  latestClose.current = onClose
  const image = images[index] ?? images[0]
  const count = images.length

  const go = (step: number) => {
    if (count < 2) return
    setIndex((current) => (current + step + count) % count)
    setView(RESTING)
  }

  useEffect(() => {
    const element = dialog.current
    if (!element) return
    const opener = document.activeElement as HTMLElement | null
    if (!element.open) element.showModal()
    // Back closes the viewer instead of leaving the conversation.
    history.pushState({ ...(history.state as object | null), isPhotoViewer: true }, '')
    let isClosedByBack = false
    const onPopState = () => {
      isClosedByBack = true
      latestClose.current()
    }
    window.addEventListener('popstate', onPopState)
    return () => {
      window.removeEventListener('popstate', onPopState)
      if (element.open) element.close()
      if (!isClosedByBack && (history.state as { isPhotoViewer?: boolean } | null)?.isPhotoViewer) history.back()
      if (opener && document.contains(opener)) opener.focus({ preventScroll: true })
    }
  }, [])

  const gesture = useGestures({ view, setView, setSwipe, onSwipe: go, onClose: () => latestClose.current() })

  if (!image) return null
  return (
    <dialog
      ref={dialog}
      class="photo-viewer"
      aria-label={t('chat.photoViewer', { name: image.name })}
      onCancel={(event) => {
        event.preventDefault()
        latestClose.current()
      }}
      onKeyDown={(event) => {
        if (event.key === 'ArrowRight') go(1)
        if (event.key === 'ArrowLeft') go(-1)
      }}
    >
      <div class="photo-viewer-bar">
        <span class="photo-viewer-name">
          {image.name}
          {count > 1 ? (
            <span class="photo-viewer-position">{t('chat.photoPosition', { index: index + 1, count })}</span>
          ) : null}
        </span>
        <a
          class="icon-button"
          href={image.url ?? ''}
          download={image.name}
          aria-label={t('chat.downloadOriginal')}
          title={t('chat.downloadOriginal')}
        >
          <Icon name="download" size={22} />
        </a>
        <button
          type="button"
          class="icon-button"
          aria-label={t('chat.closePhoto')}
          onClick={() => latestClose.current()}
        >
          <Icon name="x" size={24} />
        </button>
      </div>
      <div class="photo-viewer-stage" {...gesture}>
        <img
          key={image.id}
          src={image.url ?? ''}
          alt={image.name}
          width={image.width ?? undefined}
          height={image.height ?? undefined}
          draggable={false}
          style={{
            transform: `translate(${view.x + swipe.x}px, ${view.y + swipe.y}px) scale(${view.scale})`,
            transition: swipe.x || swipe.y || view.scale !== 1 ? 'none' : undefined,
          }}
        />
      </div>
      {count > 1 ? (
        <>
          <button
            type="button"
            class="icon-button photo-viewer-step photo-viewer-previous"
            aria-label={t('chat.previousPhoto')}
            onClick={() => go(-1)}
          >
            <Icon name="chevronLeft" size={28} />
          </button>
          <button
            type="button"
            class="icon-button photo-viewer-step photo-viewer-next"
            aria-label={t('chat.nextPhoto')}
            onClick={() => go(1)}
          >
            <Icon name="chevronRight" size={28} />
          </button>
        </>
      ) : null}
    </dialog>
  )
}

interface GestureOptions {
  view: View
  setView: (view: View) => void
  setSwipe: (offset: { x: number; y: number }) => void
  onSwipe: (step: number) => void
  onClose: () => void
}

/** Pointer handlers for the stage: two fingers zoom, one pans a zoomed photo or swipes. */
function useGestures({ view, setView, setSwipe, onSwipe, onClose }: GestureOptions) {
  const pointers = useRef(new Map<number, { x: number; y: number }>())
  const start = useRef<{ view: View; distance: number; x: number; y: number } | null>(null)
  const lastTap = useRef(0)
  const latestView = useRef(view)
  latestView.current = view

  const distance = () => {
    const [a, b] = [...pointers.current.values()]
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0
  }
  const centre = () => {
    const all = [...pointers.current.values()]
    return {
      x: all.reduce((sum, p) => sum + p.x, 0) / all.length,
      y: all.reduce((sum, p) => sum + p.y, 0) / all.length,
    }
  }
  const begin = () => {
    const middle = centre()
    start.current = { view: latestView.current, distance: distance(), x: middle.x, y: middle.y }
  }

  return {
    onPointerDown(event: PointerEvent) {
      try {
        ;(event.currentTarget as HTMLElement).setPointerCapture(event.pointerId)
      } catch {
        // A pointer the browser no longer tracks: the gesture still works without capture.
      }
      pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY })
      begin()
    },
    onPointerMove(event: PointerEvent) {
      if (!pointers.current.has(event.pointerId) || !start.current) return
      pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY })
      const from = start.current
      const middle = centre()
      const dx = middle.x - from.x
      const dy = middle.y - from.y
      if (pointers.current.size >= 2 && from.distance > 0) {
        const scale = Math.min(MAX_ZOOM, Math.max(1, (from.view.scale * distance()) / from.distance))
        setView({ scale, x: from.view.x + dx, y: from.view.y + dy })
      } else if (from.view.scale > 1) {
        setView({ ...from.view, x: from.view.x + dx, y: from.view.y + dy })
      } else {
        setSwipe({ x: dx, y: Math.max(0, dy) })
      }
    },
    onPointerUp(event: PointerEvent) {
      const from = start.current
      const point = pointers.current.get(event.pointerId)
      pointers.current.delete(event.pointerId)
      setSwipe({ x: 0, y: 0 })
      if (pointers.current.size > 0) {
        // One finger left after a pinch: it pans from here, without a jump.
        begin()
        return
      }
      start.current = null
      if (!from || !point) return
      const dx = point.x - from.x
      const dy = point.y - from.y
      if (latestView.current.scale <= 1.01) {
        if (latestView.current.scale !== 1) setView(RESTING)
        if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy)) {
          onSwipe(dx < 0 ? 1 : -1)
          return
        }
        if (dy > SWIPE_PX * 2 && dy > Math.abs(dx)) {
          onClose()
          return
        }
      }
      if (Math.abs(dx) < 10 && Math.abs(dy) < 10) {
        const now = Date.now()
        if (now - lastTap.current < DOUBLE_TAP_MS) {
          lastTap.current = 0
          setView(latestView.current.scale > 1 ? RESTING : { scale: DOUBLE_TAP_ZOOM, x: 0, y: 0 })
        } else {
          lastTap.current = now
        }
      }
    },
    onPointerCancel(event: PointerEvent) {
      pointers.current.delete(event.pointerId)
      start.current = null
      setSwipe({ x: 0, y: 0 })
    },
    onWheel(event: WheelEvent) {
      // A trackpad pinch arrives as a wheel event with ctrlKey.
      if (!event.ctrlKey) return
      event.preventDefault()
      const current = latestView.current
      const scale = Math.min(MAX_ZOOM, Math.max(1, current.scale * Math.exp(-event.deltaY / 100)))
      setView(scale === 1 ? RESTING : { ...current, scale })
    },
  }
}
