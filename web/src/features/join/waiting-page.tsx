/**
 * Shown to a newcomer whose request waits for a manager. It moves on by itself: the
 * session reacts to 'member.approved' (into the app) and 'member.rejected' (below).
 */
import { useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { leaveRejected, me, signOut, socketStatus } from '../../lib/session'
import { BrandMark } from '../../ui/brand'
import { Button } from '../../ui/button'
import { Icon } from '../../ui/icons'
import { Page } from '../../ui/page'

export function WaitingPage() {
  const current = me.value
  const [isBusy, setBusy] = useState(false)
  const name = current?.member.displayName.split(/\s+/)[0] ?? ''
  const shop = current?.shop.name ?? ''
  return (
    <main class="standalone">
      <BrandMark />
      <Page title={t('waiting.title')} isNarrow>
        <div class="card waiting" data-testid="waiting">
          <div class="waiting-pulse" aria-hidden="true">
            <Icon name="clock" size={32} />
          </div>
          <p class="waiting-lead">{t('waiting.lead', { name, shop })}</p>
          <p>{t('waiting.explain')}</p>
          <p class="muted" role="status">
            {socketStatus.value === 'open' ? t('waiting.live') : t('waiting.reconnecting')}
          </p>
        </div>
        <Button
          isBlock
          icon="logout"
          isBusy={isBusy}
          onClick={async () => {
            setBusy(true)
            await signOut()
          }}
        >
          {t('account.signOut')}
        </Button>
      </Page>
    </main>
  )
}

export function RejectedPage() {
  const shop = me.value?.shop.name ?? ''
  return (
    <main class="standalone">
      <BrandMark />
      <Page title={t('rejected.title')} isNarrow>
        <div class="card waiting" role="alert">
          <p class="waiting-lead">{t('rejected.lead', { shop })}</p>
          <p>{t('rejected.explain')}</p>
        </div>
        <Button isBlock onClick={leaveRejected}>
          {t('rejected.toSignIn')}
        </Button>
      </Page>
    </main>
  )
}
