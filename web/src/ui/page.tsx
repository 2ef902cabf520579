import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { hasNavigated } from '../lib/router'
import { t } from '../lib/i18n'
import { Icon } from './icons'

interface PageProps {
  title: string
  /** A line under the title. */
  subtitle?: ComponentChildren
  /** Where the back arrow leads, for pages below a list. */
  back?: { href: string; label: string }
  /** Secondary actions next to the title. */
  actions?: ComponentChildren
  /** The page's main action: floats above the tab bar on phones, sits in the header on wide screens. */
  primary?: ComponentChildren
  children: ComponentChildren
  /** Narrow pages for forms (sign-in, setup). */
  isNarrow?: boolean
}

export function Page({ title, subtitle, back, actions, primary, children, isNarrow }: PageProps) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`
    // Screen readers hear the new page's title after an in-app navigation.
    if (hasNavigated) heading.current?.focus({ preventScroll: true })
  }, [title])
  return (
    <div class={isNarrow ? 'page page-narrow' : 'page'}>
      <header class="page-header">
        {back ? (
          <a class="page-back" href={back.href}>
            <Icon name="chevronLeft" size={20} />
            <span>{back.label}</span>
          </a>
        ) : null}
        <div class="page-title-row">
          <div class="page-titles">
            <h1 class="page-title" tabIndex={-1} ref={heading}>
              {title}
            </h1>
            {subtitle ? <p class="page-subtitle">{subtitle}</p> : null}
          </div>
          {actions || primary ? (
            <div class="page-actions">
              {actions}
              {primary ? <div class="page-primary">{primary}</div> : null}
            </div>
          ) : null}
        </div>
      </header>
      <div class="page-body">{children}</div>
    </div>
  )
}

interface SectionProps {
  title?: string
  id?: string
  actions?: ComponentChildren
  children: ComponentChildren
  class?: string
}

/** A titled card on a page. */
export function Section({ title, id, actions, children, class: className }: SectionProps) {
  return (
    <section
      class={['card', className].filter(Boolean).join(' ')}
      id={id}
      aria-labelledby={title && id ? `${id}-title` : undefined}
    >
      {title || actions ? (
        <div class="card-header">
          {title ? (
            <h2 class="card-title" id={id ? `${id}-title` : undefined}>
              {title}
            </h2>
          ) : null}
          {actions ? <div class="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  )
}
