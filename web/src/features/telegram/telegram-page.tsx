/**
 * /telegram — the owner connects the shop's bot (token from @BotFather) and sees whether it
 * works; managers link Telegram groups to channels and unlink them. Group links arrive live
 * (telegram.group_changed) once someone adds the bot to a group or sends the /link command.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatDateTime, formatRelative } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can } from '../../lib/session'
import { Button, LinkButton } from '../../ui/button'
import { CopyField } from '../../ui/copy-field'
import { confirm } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { FormError, PasswordField, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { chatApi, type ConversationItem } from '../chat/chat-api'
import { CodeWaiting, useExpired } from './link-parts'
import {
  looksLikeToken,
  telegramApi,
  type BotView,
  type GroupCode,
  type LinkedGroup,
  type MyTelegram,
} from './telegram-api'
import './telegram.css'
import { LoadError } from '../../ui/load-error'

export function TelegramPage() {
  const [mine, setMine] = useState<MyTelegram | null>(null)
  const loadMine = () =>
    telegramApi
      .me()
      .then(setMine)
      .catch(() => undefined)
  useEffect(() => {
    void loadMine()
  }, [])
  return (
    <Page title={t('telegram.title')} subtitle={t('telegram.subtitle')}>
      {can('settings.manage') ? <BotSection onChanged={() => void loadMine()} /> : null}
      {can('members.manage') ? <GroupsSection mine={mine} /> : null}
    </Page>
  )
}

/* ---- The bot (owner) ---- */

function BotSection({ onChanged }: { onChanged: () => void }) {
  const [bot, setBot] = useState<BotView | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [isChangingToken, setChangingToken] = useState(false)
  const [isDisconnecting, setDisconnecting] = useState(false)

  const load = () =>
    telegramApi
      .bot()
      .then((view) => {
        setBot(view)
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))
  useEffect(() => {
    void load()
  }, [])
  // Someone linking or unlinking changes the count of linked staff.
  useLive(['telegram.'], () => void load())

  const connected = (view: BotView) => {
    setBot(view)
    setChangingToken(false)
    if (view.bot) toast(t('telegram.connected', { username: view.bot.username }))
    onChanged()
  }

  const disconnect = async () => {
    const ok = await confirm({
      title: t('telegram.disconnectTitle'),
      body: t('telegram.disconnectBody'),
      confirmLabel: t('telegram.disconnect'),
      isDanger: true,
    })
    if (!ok) return
    setDisconnecting(true)
    try {
      await telegramApi.disconnectBot()
      toast(t('telegram.disconnected'))
      await load()
      onChanged()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setDisconnecting(false)
    }
  }

  return (
    <Section title={t('telegram.botTitle')} id="telegram-bot" class="tg-section">
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!bot && !loadError ? <Loading label={t('common.loading')} /> : null}
      {bot && (!bot.isConfigured || !bot.bot) ? (
        <>
          <p class="card-text">{t('telegram.botIntro')}</p>
          <ol class="tg-steps">
            <li>{t('telegram.botStep1')}</li>
            <li>{t('telegram.botStep2')}</li>
            <li>{t('telegram.botStep3')}</li>
          </ol>
          <p class="tg-botfather">
            <a href="https://t.me/BotFather" target="_blank" rel="noopener noreferrer">
              {t('telegram.openBotFather')}
              <Icon name="external" size={16} />
            </a>
          </p>
          <TokenForm onConnected={connected} />
        </>
      ) : null}
      {bot?.isConfigured && bot.bot ? (
        <>
          <BotStatus view={bot} />
          {isChangingToken ? (
            <div class="tg-change-token">
              <p class="field-hint tg-change-hint">{t('telegram.changeTokenHint')}</p>
              <TokenForm onConnected={connected} onCancel={() => setChangingToken(false)} />
            </div>
          ) : (
            <div class="form-actions">
              <Button variant="ghost" onClick={() => setChangingToken(true)}>
                {t('telegram.changeToken')}
              </Button>
              <Button icon="x" isBusy={isDisconnecting} onClick={() => void disconnect()}>
                {t('telegram.disconnect')}
              </Button>
            </div>
          )}
        </>
      ) : null}
    </Section>
  )
}

function BotStatus({ view }: { view: BotView }) {
  const { status } = view
  const bot = view.bot!
  return (
    <div class="tg-bot">
      <div class="tg-bot-head">
        <span class="tg-bot-icon">
          <Icon name="send" size={22} />
        </span>
        <span class="tg-bot-names">
          <strong class="tg-bot-username">{t('telegram.connectedTo', { username: bot.username })}</strong>
          <span class="tg-bot-meta">
            <span class="muted">{bot.name}</span>
            <span class={`badge tg-state tg-state-${status.state}`}>{t(`telegram.state.${status.state}`)}</span>
          </span>
        </span>
      </div>
      {status.detail ? (
        // A failure's detail is what the owner has to act on; when all is well it is a footnote.
        <p class={status.state === 'ok' ? 'tg-detail-quiet' : 'tg-detail tg-detail-failing'}>{status.detail}</p>
      ) : null}
      <dl class="facts tg-facts">
        <div>
          <dt>{t('telegram.lastOk')}</dt>
          <dd>
            {status.lastOkAt ? (
              <time dateTime={new Date(status.lastOkAt).toISOString()} title={formatDateTime(status.lastOkAt)}>
                {formatRelative(status.lastOkAt)}
              </time>
            ) : (
              t('telegram.never')
            )}
          </dd>
        </div>
        {status.failingSince ? (
          <div>
            <dt>{t('telegram.failingSince')}</dt>
            <dd class="tg-failing-since">
              <time dateTime={new Date(status.failingSince).toISOString()}>{formatDateTime(status.failingSince)}</time>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t('telegram.linkedStaff')}</dt>
          <dd>{tn('telegram.linkedStaffCount', view.linkedMembers)}</dd>
        </div>
      </dl>
    </div>
  )
}

/** Errors about the token itself belong on the field; "Telegram unreachable" is about the network. */
const TOKEN_ERRORS = new Set(['telegram_token_invalid', 'invalid_request'])

function TokenForm({ onConnected, onCancel }: { onConnected: (view: BotView) => void; onCancel?: () => void }) {
  const [token, setToken] = useState('')
  const [fieldError, setFieldError] = useState<string | null>(null)
  const [formError, setFormError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const clean = token.trim()
    setFormError(null)
    if (!clean) return setFieldError(t('telegram.tokenRequired'))
    if (!looksLikeToken(clean)) return setFieldError(t('telegram.tokenShape'))
    setFieldError(null)
    setBusy(true)
    try {
      const view = await telegramApi.connectBot(clean)
      setToken('')
      onConnected(view)
    } catch (error) {
      if (error instanceof ApiError && TOKEN_ERRORS.has(error.code)) setFieldError(error.message)
      else setFormError(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="form tg-token-form" onSubmit={submit} noValidate>
      <PasswordField
        label={t('telegram.token')}
        value={token}
        onValue={(value) => {
          setToken(value)
          setFieldError(null)
        }}
        hint={t('telegram.tokenHint')}
        error={fieldError}
        autoComplete="off"
        name="telegram-token"
      />
      <FormError message={formError} />
      <div class="form-actions">
        {onCancel ? (
          <Button variant="ghost" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        ) : null}
        <Button type="submit" variant="primary" icon="link" isBusy={isBusy}>
          {t('telegram.connect')}
        </Button>
      </div>
    </form>
  )
}

/* ---- Groups (managers) ---- */

function GroupsSection({ mine }: { mine: MyTelegram | null }) {
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

type PendingGroupCode = GroupCode & { conversationId: number }

function LinkGroupSection({
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
