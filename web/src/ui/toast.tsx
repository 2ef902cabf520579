/** Short confirmations ("Saved") and failures, announced to screen readers. */
import { signal } from '@preact/signals'
import { t } from '../lib/i18n'
import { Icon } from './icons'

interface ToastItem {
  id: number
  message: string
  kind: 'success' | 'error' | 'info'
}

const toasts = signal<ToastItem[]>([])
let nextId = 1

export function toast(message: string, kind: ToastItem['kind'] = 'success'): void {
  const id = nextId++
  toasts.value = [...toasts.value.slice(-2), { id, message, kind }]
  setTimeout(() => dismiss(id), kind === 'error' ? 7000 : 4000)
}

function dismiss(id: number): void {
  toasts.value = toasts.value.filter((item) => item.id !== id)
}

export function ToastHost() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((item) => (
        <div key={item.id} class={`toast toast-${item.kind}`}>
          <Icon name={item.kind === 'error' ? 'alert' : 'check'} size={20} />
          <span class="toast-message">{item.message}</span>
          <button type="button" class="toast-close" aria-label={t('common.dismiss')} onClick={() => dismiss(item.id)}>
            <Icon name="x" size={18} />
          </button>
        </div>
      ))}
    </div>
  )
}
