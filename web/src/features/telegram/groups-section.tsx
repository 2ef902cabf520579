/** The managers' part of /telegram: the Telegram groups linked to channels, and unlinking them. */
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { formatRelative } from '../../lib/format'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can } from '../../lib/session'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { telegramApi, type GroupCode, type LinkedGroup, type MyTelegram } from './telegram-api'
import { LoadError } from '../../ui/load-error'
import { LinkGroupSection } from './link-group-section'

export function GroupsSection({ mine }: { mine: MyTelegram | null }) {
  const [groups, setGroups] = useState<LinkedGroup[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [pending, setPending] = useState<(GroupCode & { conversationId: number }) | null>(null)
  const [busyChatId, setBusyChatId] = useState<number | null>(null)

  const known = useRef<Set<number> | null>(null)

  const load = async () => {
    try {
      const { groups: next } = await telegramApi.groups()
      // The group the pending code was for has just been linked: say so and put the code away.
      const fresh = pending
        ? next.find(
            (group) => known.current?.has(group.chatId) === false && group.conversation.id === pending.conversationId,
          )
        : undefined
      if (fresh) {
        toast(t('telegram.groupLinked', { group: fresh.title, channel: fresh.conversation.name }))
        setPending(null)
      }
      known.current = new Set(next.map((group) => group.chatId))
      setGroups(next)
      setLoadError(null)
    } catch (error) {
      setLoadError(errorMessage(error))
    }
  }
  useEffect(() => {
    void load()
  }, [])
  useLive(['telegram.'], () => void load())

  const unlink = async (group: LinkedGroup) => {
    const ok = await confirm({
      title: t('telegram.unlinkGroupTitle', { group: group.title }),
      body: t('telegram.unlinkGroupBody', { channel: group.conversation.name }),
      confirmLabel: t('telegram.unlinkGroup'),
      isDanger: true,
    })
    if (!ok) return
    setBusyChatId(group.chatId)
    try {
      await telegramApi.unlinkGroup(group.chatId)
      toast(t('telegram.groupUnlinked', { group: group.title }))
      await load()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setBusyChatId(null)
    }
  }

  return (
    <>
      <Section title={t('telegram.groupsTitle')} id="telegram-groups" class="tg-section">
        <p class="card-text muted">{t('telegram.groupsIntro')}</p>
        {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
        {!groups && !loadError ? <Loading label={t('common.loading')} /> : null}
        {groups && !groups.length ? (
          <EmptyState icon="users" title={t('telegram.groupsNone')}>
            {mine?.isAvailable ? t('telegram.groupsNoneHint') : null}
          </EmptyState>
        ) : null}
        {groups && groups.length ? (
          <ul class="rows tg-groups" aria-label={t('telegram.groupsTitle')}>
            {groups.map((group) => (
              <li key={group.chatId} class="row-item tg-group-row" data-testid="telegram-group">
                <div class="row">
                  <span class="row-icon">
                    <Icon name="users" size={20} />
                  </span>
                  <span class="row-main">
                    <span class="row-title">{group.title}</span>
                    <span class="tg-group-channel">
                      <span class="tg-arrow" aria-hidden="true">
                        →
                      </span>
                      <a class="tg-channel" href={`/chat/${group.conversation.id}`}>
                        #{group.conversation.name}
                      </a>
                    </span>
                    <span class="row-sub">
                      {t('telegram.groupLinkedBy', { name: group.linkedBy, when: formatRelative(group.linkedAt) })}
                    </span>
                  </span>
                  <Button
                    isSmall
                    variant="ghost"
                    isBusy={busyChatId === group.chatId}
                    aria-label={t('telegram.unlinkGroupNamed', { group: group.title })}
                    onClick={() => void unlink(group)}
                  >
                    {t('telegram.unlinkGroup')}
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        ) : null}
      </Section>
      {mine && !mine.isAvailable && !can('settings.manage') ? (
        <p class="notice notice-warning" role="note">
          <Icon name="alert" size={20} />
          <span>{t('telegram.notConfiguredForManagers')}</span>
        </p>
      ) : null}
      {mine?.isAvailable ? (
        <LinkGroupSection
          pending={pending}
          onPending={setPending}
          linkedTo={new Map((groups ?? []).map((group) => [group.conversation.id, group.title]))}
        />
      ) : null}
    </>
  )
}
