/** Linking a Telegram group to a channel: pick the channel, then send the code in the group. */
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { Button, LinkButton } from '../../ui/button'
import { CopyField } from '../../ui/copy-field'
import { Loading } from '../../ui/empty-state'
import { FormError, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Section } from '../../ui/page'
import { chatApi, type ConversationItem } from '../chat/chat-api'
import { CodeWaiting, useExpired } from './link-parts'
import { telegramApi, type GroupCode } from './telegram-api'

export type PendingGroupCode = GroupCode & { conversationId: number }

export function LinkGroupSection({
  pending,
  onPending,
  linkedTo,
}: {
  pending: PendingGroupCode | null
  onPending: (code: PendingGroupCode | null) => void
  linkedTo: Map<number, string>
}) {
  const [channels, setChannels] = useState<ConversationItem[] | null>(null)
  const [channelId, setChannelId] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  useEffect(() => {
    chatApi
      .conversations()
      .then((list) => {
        const usable = list
          .filter((item) => item.kind === 'channel' && !item.isArchived)
          .sort((a, b) => a.name.localeCompare(b.name))
        setChannels(usable)
        setChannelId((current) => current || String(usable[0]?.id ?? ''))
      })
      .catch((failure: unknown) => setError(errorMessage(failure)))
  }, [])

  const getCode = async (event?: Event) => {
    event?.preventDefault()
    const conversationId = Number(channelId)
    if (!conversationId) return
    setBusy(true)
    setError(null)
    try {
      const code = await telegramApi.groupCode(conversationId)
      onPending({ ...code, conversationId })
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  const channelName = channels?.find((item) => item.id === pending?.conversationId)?.name
  return (
    <Section title={t('telegram.linkGroupTitle')} id="telegram-link-group" class="tg-section">
      {!channels && !error ? <Loading label={t('common.loading')} /> : null}
      {channels && !channels.length ? <p class="card-text muted">{t('telegram.noChannels')}</p> : null}
      {channels && channels.length && !pending ? (
        <form class="form" onSubmit={getCode} noValidate>
          <SelectField
            label={t('telegram.channel')}
            value={channelId}
            onValue={setChannelId}
            hint={t('telegram.channelHint')}
            options={channels.map((item) => {
              const linked = linkedTo.get(item.id)
              return { value: String(item.id), label: linked ? `#${item.name} (${linked})` : `#${item.name}` }
            })}
          />
          <FormError message={error} />
          <div class="form-actions">
            <Button type="submit" variant="primary" icon="link" isBusy={isBusy}>
              {t('telegram.getGroupCode')}
            </Button>
          </div>
        </form>
      ) : null}
      {!channels && error ? <FormError message={error} /> : null}
      {pending ? (
        <GroupCodePanel
          code={pending}
          channelName={channelName ?? ''}
          isBusy={isBusy}
          onRenew={() => void getCode()}
          onCancel={() => onPending(null)}
        />
      ) : null}
    </Section>
  )
}

function GroupCodePanel({
  code,
  channelName,
  isBusy,
  onRenew,
  onCancel,
}: {
  code: GroupCode
  channelName: string
  isBusy: boolean
  onRenew: () => void
  onCancel: () => void
}) {
  const isExpired = useExpired(code.expiresAt)
  return (
    <div class="tg-code-panel" data-testid="telegram-group-code">
      {channelName ? <p class="tg-code-for">{t('telegram.codeFor', { channel: channelName })}</p> : null}
      {isExpired ? null : (
        <>
          <ol class="tg-code-steps">
            <li>
              <p>{t('telegram.groupStep1')}</p>
              <LinkButton
                href={code.url}
                target="_blank"
                rel="noopener noreferrer"
                variant="primary"
                icon="userPlus"
                isBlock
              >
                {t('telegram.addToGroup')}
              </LinkButton>
            </li>
            <li>
              <CopyField
                label={t('telegram.groupStep2')}
                value={code.command}
                copiedToast={t('telegram.commandCopied')}
                failedToast={t('telegram.copyFailed')}
                class="tg-command"
                inputClass="tg-command-input"
              />
            </li>
          </ol>
          <div class="tg-note" role="note">
            <Icon name="alert" size={20} />
            <p>
              <strong>{t('telegram.privacyTitle')}</strong>
              <span>{t('telegram.privacyText')}</span>
            </p>
          </div>
        </>
      )}
      <CodeWaiting
        expiresAt={code.expiresAt}
        isExpired={isExpired}
        waitingText={t('telegram.waitingForGroup')}
        isBusy={isBusy}
        isRenewableEarly
        onRenew={onRenew}
        onCancel={onCancel}
      />
    </div>
  )
}
