import type { ComponentChildren, JSX } from 'preact'
import { t } from '../lib/i18n'
import { Icon, type IconName } from './icons'

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost'

type ButtonProps = Omit<JSX.HTMLAttributes<HTMLButtonElement>, 'icon' | 'size'> & {
  variant?: ButtonVariant
  icon?: IconName
  isBusy?: boolean
  isBlock?: boolean
  isSmall?: boolean
  type?: 'button' | 'submit' | 'reset'
  disabled?: boolean
  children?: ComponentChildren
}

export function buttonClass(
  variant: ButtonVariant = 'secondary',
  extra?: { isBlock?: boolean; isSmall?: boolean },
): string {
  return ['button', `button-${variant}`, extra?.isBlock ? 'button-block' : '', extra?.isSmall ? 'button-small' : '']
    .filter(Boolean)
    .join(' ')
}

export function Button({
  variant = 'secondary',
  icon,
  isBusy = false,
  isBlock,
  isSmall,
  type = 'button',
  disabled,
  children,
  class: className,
  ...rest
}: ButtonProps): JSX.Element {
  return (
    <button
      {...rest}
      type={type}
      class={[buttonClass(variant, { isBlock, isSmall }), className].filter(Boolean).join(' ')}
      disabled={disabled || isBusy}
      aria-busy={isBusy ? 'true' : undefined}
    >
      {isBusy ? <span class="spinner" aria-hidden="true" /> : icon ? <Icon name={icon} size={20} /> : null}
      <span>{children}</span>
      {isBusy ? <span class="visually-hidden">{t('common.working')}</span> : null}
    </button>
  )
}

type LinkButtonProps = JSX.HTMLAttributes<HTMLAnchorElement> & {
  href: string
  variant?: ButtonVariant
  icon?: IconName
  isBlock?: boolean
  isSmall?: boolean
  download?: boolean | string
  /** For links that leave Backboard (a t.me link opens the Telegram app). */
  target?: string
  rel?: string
  children?: ComponentChildren
}

/** A link that looks like a button, for navigation. */
export function LinkButton({
  variant = 'secondary',
  icon,
  isBlock,
  isSmall,
  children,
  class: className,
  ...rest
}: LinkButtonProps) {
  return (
    <a {...rest} class={[buttonClass(variant, { isBlock, isSmall }), className].filter(Boolean).join(' ')}>
      {icon ? <Icon name={icon} size={20} /> : null}
      <span>{children}</span>
    </a>
  )
}
