/** Pieces shared by the two linking flows (your account, a group): a copyable command and a code's expiry. */
import { useEffect, useId, useState } from 'preact/hooks'
import { formatTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { copyText } from '../../ui/copy'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'

/** Whether a code has expired, turning true by itself at the moment it does. */
export function useExpired(expiresAt: number): boolean {
  const [isExpired, setExpired] = useState(() => Date.now() >= expiresAt)
  useEffect(() => {
    const left = expiresAt - Date.now()
    setExpired(left <= 0)
    if (left <= 0) return
    // setTimeout cannot wait longer than about 24 days; codes live minutes.
    const timer = setTimeout(() => setExpired(true), Math.min(left, 2_000_000_000))
    return () => clearTimeout(timer)
  }, [expiresAt])
  return isExpired
}

export function ExpiryNote({ expiresAt, isExpired }: { expiresAt: number; isExpired: boolean }) {
  return isExpired ? (
    <p class="tg-expiry tg-expiry-over" role="alert">
      <Icon name="clock" size={16} />
      {t('telegram.codeExpired')}
    </p>
  ) : (
    <p class="tg-expiry">
      <Icon name="clock" size={16} />
      {t('telegram.codeExpires', { time: formatTime(expiresAt) })}
    </p>
  )
}

/** A short command in a read-only field with a Copy button, for pasting into Telegram. */
export function CommandField({ label, text }: { label: string; text: string }) {
  const id = useId()
  const [isCopied, setCopied] = useState(false)
  const copy = async () => {
    if (await copyText(text)) {
      setCopied(true)
      toast(t('telegram.commandCopied'))
      setTimeout(() => setCopied(false), 2500)
    } else {
      toast(t('telegram.copyFailed'), 'error')
    }
  }
  return (
    <div class="field tg-command">
      <label class="field-label" for={id}>
        {label}
      </label>
      <div class="input-with-button">
        <input
          id={id}
          class="input input-mono tg-command-input"
          value={text}
          readOnly
          spellcheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button class="input-addon-button" icon={isCopied ? 'check' : 'copy'} onClick={() => void copy()}>
          {isCopied ? t('invite.copiedShort') : t('invite.copy')}
        </Button>
      </div>
    </div>
  )
}
