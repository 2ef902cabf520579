/**
 * /chat and /chat/:id — the conversation list (the board first, then by last activity,
 * with unread and mention badges) and, on wide screens, the open conversation beside it.
 * On phones the list and the conversation are separate screens.
 */
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t, tn } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { can, me } from '../../lib/session'
import { Button } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Field, FormError } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { AskXeroButton } from '../xero/ask-xero-button'
import { chatApi, type Conversation } from './chat-api'
import { ConversationRow } from './chat-list-row'
import { ConversationView } from './conversation-view'
import { PeoplePicker } from './people-picker'
import { ShiftStatusButton } from './presence'
import { conversations, conversationsError, reloadConversations, sortedConversations } from './store'
import './chat.css'

export function canCreateChannel(): boolean {
  const role = me.value?.member.role
  return role === 'owner' || role === 'manager' || can('board.post')
}

export function ChatLayout({ conversationId }: { conversationId: number | null }) {
  useEffect(() => {
    document.documentElement.dataset.view = conversationId ? 'conversation' : 'chat'
    if (!conversationId) document.title = `${t('chat.title')} · ${t('app.name')}`
    return () => {
      delete document.documentElement.dataset.view
    }
  }, [conversationId])
  return (
    <div class={conversationId ? 'chat-layout chat-layout-open' : 'chat-layout'}>
      <div class="chat-list-pane">
        <ConversationList currentId={conversationId} />
      </div>
      <div class="chat-conv-pane">
        {conversationId ? (
          <ConversationView key={conversationId} id={conversationId} />
        ) : (
          <div class="chat-placeholder">
            <EmptyState icon="chat" title={t('chat.pickTitle')}>
              {t('chat.pickText')}
            </EmptyState>
          </div>
        )}
      </div>
    </div>
  )
}

type DialogName = 'direct' | 'channel' | 'browse' | null

function ConversationList({ currentId }: { currentId: number | null }) {
  const [dialog, setDialog] = useState<DialogName>(null)
  const [isMarking, setMarking] = useState(false)
  const list = sortedConversations.value
  const error = conversationsError.value
  const isLoaded = conversations.value !== null || error !== null
  const unreadTotal = list.reduce((sum, item) => sum + item.unreadCount, 0)
  const HeadingTag = currentId ? 'h2' : 'h1'

  const markAll = async () => {
    setMarking(true)
    try {
      await chatApi.readAll()
      await reloadConversations()
      toast(t('chat.allRead'))
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    } finally {
      setMarking(false)
    }
  }

  return (
    <section class="chat-list" aria-labelledby="chat-list-title">
      <header class="chat-list-head">
        <HeadingTag class="chat-list-title" id="chat-list-title" tabIndex={-1}>
          {t('chat.title')}
        </HeadingTag>
        <ShiftStatusButton />
        <button
          type="button"
          class="icon-button"
          aria-label={t('chat.markAllRead')}
          title={t('chat.markAllRead')}
          disabled={unreadTotal === 0 || isMarking}
          onClick={() => void markAll()}
          aria-busy={isMarking ? 'true' : undefined}
        >
          <Icon name="checkAll" size={22} />
        </button>
        <a class="icon-button" href="/search" aria-label={t('chat.searchAll')}>
          <Icon name="search" size={22} />
        </a>
      </header>
      <div class="chat-tools" role="toolbar" aria-label={t('chat.listActions')}>
        <button type="button" class="chip" onClick={() => setDialog('browse')}>
          <Icon name="hash" size={18} />
          {t('chat.browseShort')}
        </button>
        {/* Asked daily, unlike a new channel: before it, so a phone that cannot show all three shows this one. */}
        {can('xero.read') ? <AskXeroButton /> : null}
        {canCreateChannel() ? (
          <button type="button" class="chip" onClick={() => setDialog('channel')}>
            <Icon name="plus" size={18} />
            {t('chat.newChannel')}
          </button>
        ) : null}
      </div>
      {error ? <p class="notice notice-error chat-list-error">{error}</p> : null}
      {!isLoaded ? <Loading label={t('common.loading')} /> : null}
      <ul class="conv-list" aria-label={t('chat.conversations')}>
        {list.map((item) => (
          <li key={item.id}>
            <ConversationRow item={item} isCurrent={item.id === currentId} />
          </li>
        ))}
      </ul>
      {isLoaded && list.length <= 1 ? (
        <div class="chat-list-empty">
          <EmptyState icon="chat" title={t('chat.emptyTitle')}>
            {t('chat.emptyText')}
          </EmptyState>
        </div>
      ) : null}
      <div class="chat-fab">
        <Button variant="primary" icon="edit" onClick={() => setDialog('direct')}>
          {t('chat.newMessage')}
        </Button>
      </div>
      {dialog === 'direct' ? <NewDirectDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'channel' ? <NewChannelDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'browse' ? <BrowseDialog onClose={() => setDialog(null)} /> : null}
    </section>
  )
}

function NewDirectDialog({ onClose }: { onClose: () => void }) {
  const [selected, setSelected] = useState<number[]>([])
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const start = async () => {
    setBusy(true)
    setError(null)
    try {
      const conversation = await chatApi.openDirect(selected)
      void reloadConversations()
      onClose()
      navigate(`/chat/${conversation.id}`)
    } catch (failure) {
      setError(errorMessage(failure))
      setBusy(false)
    }
  }
  return (
    <Dialog
      title={t('chat.newMessage')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" isBusy={isBusy} disabled={selected.length === 0} onClick={() => void start()}>
            {selected.length > 1 ? t('chat.startGroup', { count: selected.length }) : t('chat.startChat')}
          </Button>
        </>
      }
    >
      <p class="muted dialog-intro">{t('chat.newMessageIntro')}</p>
      <FormError message={error} />
      <PeoplePicker selected={selected} onChange={setSelected} max={7} />
    </Dialog>
  )
}

function NewChannelDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('')
  const [topic, setTopic] = useState('')
  const [isPrivate, setPrivate] = useState(false)
  const [people, setPeople] = useState<number[]>([])
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<{ form: string | null; name: string | null }>({ form: null, name: null })
  const create = async (event?: Event) => {
    event?.preventDefault()
    if (!name.trim()) {
      setError({ form: null, name: t('chat.channelNameRequired') })
      return
    }
    setBusy(true)
    setError({ form: null, name: null })
    try {
      const conversation = await chatApi.createChannel({
        name: name.trim(),
        topic: topic.trim(),
        isPrivate,
        memberIds: people,
      })
      void reloadConversations()
      onClose()
      navigate(`/chat/${conversation.id}`)
    } catch (failure) {
      const message = errorMessage(failure)
      const isNameError = /name/i.test(message)
      setError(isNameError ? { form: null, name: message } : { form: message, name: null })
      setBusy(false)
    }
  }
  return (
    <Dialog
      title={t('chat.newChannel')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" isBusy={isBusy} onClick={() => void create()}>
            {t('chat.createChannel')}
          </Button>
        </>
      }
    >
      <form class="form" onSubmit={create} noValidate>
        <Field
          label={t('chat.channelName')}
          value={name}
          onValue={setName}
          hint={t('chat.channelNameHint')}
          error={error.name}
          maxLength={60}
          required
        />
        <Field label={t('chat.channelTopic')} value={topic} onValue={setTopic} maxLength={250} />
        <fieldset class="checks">
          <legend class="field-label">{t('chat.whoCanJoin')}</legend>
          <label class="radio-row">
            <input type="radio" name="channel-privacy" checked={!isPrivate} onChange={() => setPrivate(false)} />
            <Icon name="hash" size={20} />
            <span class="radio-text">
              <span class="radio-label">{t('chat.openChannel')}</span>
              <span class="radio-hint">{t('chat.openChannelHint')}</span>
            </span>
          </label>
          <label class="radio-row">
            <input type="radio" name="channel-privacy" checked={isPrivate} onChange={() => setPrivate(true)} />
            <Icon name="lock" size={20} />
            <span class="radio-text">
              <span class="radio-label">{t('chat.privateChannel')}</span>
              <span class="radio-hint">{t('chat.privateChannelHint')}</span>
            </span>
          </label>
        </fieldset>
        <p class="field-label">{t('chat.addPeopleOptional')}</p>
        <PeoplePicker selected={people} onChange={setPeople} />
        <FormError message={error.form} />
      </form>
    </Dialog>
  )
}

function BrowseDialog({ onClose }: { onClose: () => void }) {
  const [channels, setChannels] = useState<Conversation[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [joining, setJoining] = useState<number | null>(null)
  useEffect(() => {
    chatApi.joinable().then(setChannels, (failure: unknown) => setError(errorMessage(failure)))
  }, [])
  const join = async (channel: Conversation) => {
    setJoining(channel.id)
    try {
      await chatApi.join(channel.id)
      await reloadConversations()
      onClose()
      navigate(`/chat/${channel.id}`)
    } catch (failure) {
      toast(errorMessage(failure), 'error')
      setJoining(null)
    }
  }
  return (
    <Dialog title={t('chat.browseChannels')} onClose={onClose}>
      {error ? <p class="notice notice-error">{error}</p> : null}
      {!channels && !error ? <Loading label={t('common.loading')} /> : null}
      {channels && channels.length === 0 ? (
        <EmptyState icon="hash" title={t('chat.noChannelsTitle')}>
          {canCreateChannel() ? t('chat.noChannelsCreate') : t('chat.noChannelsText')}
        </EmptyState>
      ) : null}
      {channels?.length ? (
        <ul class="browse-list">
          {channels.map((channel) => (
            <li key={channel.id} class="browse-row">
              <span class="conv-icon">
                <Icon name="hash" size={20} />
              </span>
              <span class="browse-text">
                <span class="browse-name">{channel.name}</span>
                <span class="browse-hint">{channel.topic || tn('chat.memberCount', channel.memberCount)}</span>
              </span>
              <Button
                isSmall
                variant="primary"
                isBusy={joining === channel.id}
                onClick={() => void join(channel)}
                aria-label={t('chat.joinNamed', { name: channel.name })}
              >
                {t('chat.join')}
              </Button>
            </li>
          ))}
        </ul>
      ) : null}
    </Dialog>
  )
}
