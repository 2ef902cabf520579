/**
 * Account → Telegram: link your Telegram account to the shop's bot (a t.me deep link, with a
 * QR code for when you are on a computer), choose when Backboard messages go there, unlink.
 * The bot confirms a link on its own time, so the section listens for telegram.link_changed.
 */
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { formatDate } from '../../lib/format'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can } from '../../lib/session'
import { Button, LinkButton } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { FormError, RadioGroup } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Section } from '../../ui/page'
import { QrCode } from '../../ui/qr-image'
import { toast } from '../../ui/toast'
import { CodeWaiting, useExpired } from './link-parts'
import { telegramApi, type LinkCode, type MirrorMode, type MyTelegram } from './telegram-api'
import './telegram.css'

const MIRROR_MODES = ['always', 'away', 'never'] as const satisfies readonly MirrorMode[]

/** On a phone the t.me link opens the Telegram app; on a computer the QR code is the easier way. */
const isPhone = () => typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches

export function TelegramSection() {
  const [mine, setMine] = useState<MyTelegram | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [pending, setPending] = useState<LinkCode | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const load = async () => {
    try {
      const next = await telegramApi.me()
      if (pending && next.link) {
        toast(t('telegram.linkedToast'))
        setPending(null)
      }
      setMine(next)
      setLoadError(null)
    } catch (failure) {
      setLoadError(errorMessage(failure))
    }
  }
  useEffect(() => {
    void load()
  }, [])
  useLive(['telegram.'], () => void load())

  const startLink = async () => {
    setBusy(true)
    setError(null)
    try {
      const code = await telegramApi.linkCode()
      setPending(code)
      if (isPhone()) window.open(code.url, '_blank', 'noopener')
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  const changeMirror = async (mirror: MirrorMode) => {
    if (!mine) return
    const before = mine
    setMine({ ...mine, mirror })
    try {
      setMine(await telegramApi.setMirror(mirror))
      toast(t('telegram.mirrorSaved'))
    } catch (failure) {
      setMine(before)
      toast(errorMessage(failure), 'error')
    }
  }

  const unlink = async () => {
    const ok = await confirm({
      title: t('telegram.unlinkTitle'),
      body: t('telegram.unlinkBody'),
      confirmLabel: t('telegram.unlink'),
      isDanger: true,
    })
    if (!ok) return
    setBusy(true)
    try {
      await telegramApi.unlink()
      toast(t('telegram.unlinked'))
      await load()
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title={t('telegram.accountTitle')} id="telegram" class="tg-section tg-account">
      {loadError ? <p class="card-text muted">{loadError}</p> : null}
      {!mine && !loadError ? <Loading label={t('common.loading')} /> : null}
      {mine && !mine.isAvailable ? (
        // Whoever can connect the bot is told where, not that "the owner" has not done it.
        can('settings.manage') ? (
          <p class="card-text muted">
            {t('telegram.accountUnavailableYours')} <a href="/telegram">{t('telegram.openTelegramPage')}</a>
          </p>
        ) : (
          <p class="card-text muted">{t('telegram.accountUnavailable')}</p>
        )
      ) : null}
      {mine?.isAvailable && !mine.link ? (
        <>
          <p class="card-text muted">{t('telegram.accountIntro')}</p>
          <FormError message={error} />
          {pending ? (
            <LinkPanel
              code={pending}
              botUsername={mine.botUsername ?? ''}
              isBusy={isBusy}
              onRenew={() => void startLink()}
              onCancel={() => setPending(null)}
            />
          ) : (
            <div class="form-actions tg-link-start">
              <Button variant="primary" icon="send" isBusy={isBusy} onClick={() => void startLink()}>
                {t('telegram.link')}
              </Button>
            </div>
          )}
        </>
      ) : null}
      {mine?.isAvailable && mine.link ? (
        <>
          <div class="tg-linked" data-testid="telegram-linked">
            <span class="tg-bot-icon">
              <Icon name="send" size={22} />
            </span>
            <span class="tg-linked-text">
              <strong>{t('telegram.linkedAs', { name: mine.link.telegramName })}</strong>
              <span class="muted">
                {mine.link.telegramUsername ? `@${mine.link.telegramUsername} · ` : ''}
                {t('telegram.linkedSince', { date: formatDate(mine.link.linkedAt) })}
              </span>
            </span>
          </div>
          <RadioGroup
            legend={t('telegram.mirrorLabel')}
            name="telegram-mirror"
            value={mine.mirror}
            onValue={(mirror) => void changeMirror(mirror)}
            options={MIRROR_MODES.map((mode) => ({
              value: mode,
              label: t(`telegram.mirror.${mode}`),
              hint: t(`telegram.mirror.${mode}Hint`),
            }))}
          />
          <div class="form-actions">
            <Button icon="x" isBusy={isBusy} onClick={() => void unlink()}>
              {t('telegram.unlink')}
            </Button>
          </div>
        </>
      ) : null}
    </Section>
  )
}

function LinkPanel({
  code,
  botUsername,
  isBusy,
  onRenew,
  onCancel,
}: {
  code: LinkCode
  botUsername: string
  isBusy: boolean
  onRenew: () => void
  onCancel: () => void
}) {
  const isExpired = useExpired(code.expiresAt)
  return (
    <div class="tg-code-panel" data-testid="telegram-link-code">
      {isExpired ? null : (
        <>
          <LinkButton href={code.url} target="_blank" rel="noopener noreferrer" variant="primary" icon="send" isBlock>
            {t('telegram.openTelegram')}
          </LinkButton>
          <p class="tg-link-steps">{t('telegram.linkSteps', { bot: botUsername })}</p>
          <div class="tg-qr">
            <QrCode text={code.url} alt={t('telegram.linkQrAlt')} size={184} />
            <p class="field-hint">{t('telegram.linkQrHint')}</p>
          </div>
        </>
      )}
      <CodeWaiting
        expiresAt={code.expiresAt}
        isExpired={isExpired}
        waitingText={t('telegram.linkWaiting')}
        isBusy={isBusy}
        onRenew={onRenew}
        onCancel={onCancel}
      />
    </div>
  )
}
