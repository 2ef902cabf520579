/**
 * A modal on the native <dialog> element (focus trap, Escape and the top layer for free).
 * On phones it is a bottom sheet, so its buttons are within thumb reach.
 */
import type { ComponentChildren } from 'preact'
import { signal } from '@preact/signals'
import { useEffect, useId, useRef } from 'preact/hooks'
import { t } from '../lib/i18n'
import { Button } from './button'
import { Icon } from './icons'

interface DialogProps {
  title: string
  onClose: () => void
  children: ComponentChildren
  footer?: ComponentChildren
  /** Labelled for tests and screen readers when the title alone is ambiguous. */
  label?: string
}

/** Mount it to open it; it calls onClose on Escape, the close button or a tap outside. */
export function Dialog({ title, onClose, children, footer, label }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const latestClose = useRef(onClose)
  // Closing on unmount fires 'close' once more; by then the parent already knows.
  latestClose.current = onClose
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    const opener = document.activeElement as HTMLElement | null
    if (!dialog.open) dialog.showModal()
    return () => {
      latestClose.current = () => undefined
      if (dialog.open) dialog.close()
      // Give focus back to whatever opened the dialog.
      if (opener && document.contains(opener)) opener.focus({ preventScroll: true })
    }
  }, [])
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={label ? undefined : titleId}
      aria-label={label}
      onClose={() => latestClose.current()}
      onClick={(event) => {
        if (event.target === ref.current) latestClose.current()
      }}
    >
      <div class="dialog-panel">
        <div class="dialog-header">
          <h2 class="dialog-title" id={titleId}>
            {title}
          </h2>
          <button
            type="button"
            class="icon-button"
            aria-label={t('common.close')}
            onClick={() => latestClose.current()}
          >
            <Icon name="x" size={20} />
          </button>
        </div>
        <div class="dialog-body">{children}</div>
        {footer ? <div class="dialog-footer">{footer}</div> : null}
      </div>
    </dialog>
  )
}

interface ConfirmOptions {
  title: string
  body: string
  confirmLabel: string
  isDanger?: boolean
}

const asking = signal<(ConfirmOptions & { resolve: (ok: boolean) => void }) | null>(null)

/** Asks a yes/no question in a dialog; resolves true only on the confirm button. */
export function confirm(options: ConfirmOptions): Promise<boolean> {
  asking.value?.resolve(false)
  return new Promise((resolve) => {
    asking.value = { ...options, resolve }
  })
}

export function ConfirmHost() {
  const current = asking.value
  if (!current) return null
  const answer = (ok: boolean) => {
    asking.value = null
    current.resolve(ok)
  }
  return (
    <Dialog
      title={current.title}
      onClose={() => answer(false)}
      footer={
        <>
          <Button onClick={() => answer(false)}>{t('common.cancel')}</Button>
          <Button variant={current.isDanger ? 'danger' : 'primary'} onClick={() => answer(true)}>
            {current.confirmLabel}
          </Button>
        </>
      }
    >
      <p>{current.body}</p>
    </Dialog>
  )
}
