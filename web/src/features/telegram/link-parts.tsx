/** Pieces shared by the two linking flows (your account, a group): a code's expiry and the wait for Telegram. */
import { useEffect, useState } from 'preact/hooks'
import { formatTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { Icon } from '../../ui/icons'

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

function ExpiryNote({ expiresAt, isExpired }: { expiresAt: number; isExpired: boolean }) {
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

/**
 * The foot of a code panel: when the code runs out, that Backboard is waiting for Telegram,
 * and Cancel / New code. New code shows only once the code has expired unless `isRenewableEarly`.
 */
export function CodeWaiting({
  expiresAt,
  isExpired,
  waitingText,
  isBusy,
  isRenewableEarly = false,
  onRenew,
  onCancel,
}: {
  expiresAt: number
  isExpired: boolean
  waitingText: string
  isBusy: boolean
  isRenewableEarly?: boolean
  onRenew: () => void
  onCancel: () => void
}) {
  return (
    <>
      <ExpiryNote expiresAt={expiresAt} isExpired={isExpired} />
      {isExpired ? null : (
        <p class="tg-waiting" role="status">
          <span class="spinner" aria-hidden="true" />
          {waitingText}
        </p>
      )}
      <div class="form-actions">
        <Button variant="ghost" onClick={onCancel}>
          {t('telegram.cancel')}
        </Button>
        {isExpired || isRenewableEarly ? (
          <Button variant={isExpired ? 'primary' : 'secondary'} icon="refresh" isBusy={isBusy} onClick={onRenew}>
            {t('telegram.newCode')}
          </Button>
        ) : null}
      </div>
    </>
  )
}
