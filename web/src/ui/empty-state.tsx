import type { ComponentChildren } from 'preact'
import { Icon, type IconName } from './icons'

interface EmptyStateProps {
  icon?: IconName
  /** Left out where the page's own heading already says it, so it is not shown twice. */
  title?: string
  children?: ComponentChildren
  action?: ComponentChildren
}

export function EmptyState({ icon = 'inbox', title, children, action }: EmptyStateProps) {
  return (
    <div class="empty">
      <span class="empty-icon">
        <Icon name={icon} size={28} />
      </span>
      {title ? <p class="empty-title">{title}</p> : null}
      {children ? <p class="empty-text">{children}</p> : null}
      {action ? <div class="empty-action">{action}</div> : null}
    </div>
  )
}

/** Shown while a page's data loads; announced politely. */
export function Loading({ label }: { label: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  )
}
