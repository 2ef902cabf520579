/**
 * The chat composer: text with @mention suggestions, a reply or edit bar, attachments
 * and voice notes. Enter sends on a keyboard-and-mouse computer; phones get a send button
 * (Enter makes a new line there). Sends go through the outbox, so they survive a dead
 * connection and a reload.
 */
import '../customers/messages'
import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks'
import { locale, t } from '../../lib/i18n'
import { sendTyping } from '../../lib/session'
import { Icon } from '../../ui/icons'
import { newClientKey, type MessageView, type PersonRef } from './chat-api'
import { AttachMenu } from './attach-menu'
import { TrayView, useAttachmentTray } from './attachment-tray'
import { MicButton, RecordingBar, useVoiceRecorder } from './voice-recorder'
import { plainPreview } from '../../lib/markdown'
import { enqueue } from './outbox'
import { authorNameOf } from './people'
import { conversations } from './store'

const TYPING_EVERY_MS = 3_000
/** The server's limit (MAX_BODY_LENGTH), counted as it counts: code points, trailing space ignored. */
export const MAX_MESSAGE_LENGTH = 4_000
/** The counter appears this close to the limit, so short messages stay uncluttered. */
const COUNTER_FROM = MAX_MESSAGE_LENGTH - 400
const MAX_SUGGESTIONS = 6
/** Drafts survive moving between conversations for the life of the page. */
const drafts = new Map<number, string>()

interface Suggestion {
  username: string
  label: string
  hint: string
}

function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const match = /(^|\s)@([\p{L}\p{N}._-]{0,32})$/u.exec(before)
  if (!match) return null
  return { start: caret - (match[2] as string).length - 1, query: (match[2] as string).toLowerCase() }
}

export function messageLength(text: string): number {
  return [...text.replace(/\s+$/u, '')].length
}

function isFinePointer(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(pointer: fine)').matches
}

export interface ComposerProps {
  conversationId: number
  people: readonly PersonRef[]
  replyTo: MessageView | null
  onCancelReply: () => void
  editing: MessageView | null
  onCancelEdit: () => void
  onSaveEdit: (body: string) => Promise<boolean>
  /** On the board, people without board.post can only reply. */
  canPostTopLevel: boolean
  onSent: () => void
}

export function Composer(props: ComposerProps) {
  const { conversationId, people, replyTo, editing } = props
  const [text, setText] = useState(() => drafts.get(conversationId) ?? '')
  const [caret, setCaret] = useState(0)
  const [active, setActive] = useState(0)
  const [isSaving, setSaving] = useState(false)
  const [isMentionClosed, setMentionClosed] = useState(false)
  const area = useRef<HTMLTextAreaElement>(null)
  const lastTyping = useRef(0)
  const tray = useAttachmentTray()
  const recorder = useVoiceRecorder((blob, duration) => tray.addVoice(blob, duration))
  const listId = useId()
  const counterId = useId()
  const [isRefused, setRefused] = useState(false)
  // In a customer conversation a message may be a note for colleagues, never sent to the customer.
  const [isNote, setNote] = useState(false)
  const isCustomer = conversations.value?.find((c) => c.id === conversationId)?.kind === 'customer'
  const isInternal = isCustomer && isNote
  const length = messageLength(text)
  const isTooLong = length > MAX_MESSAGE_LENGTH

  useEffect(() => {
    drafts.set(conversationId, text)
  }, [conversationId, text])

  useEffect(() => {
    if (!editing) return
    setText(editing.body)
    requestAnimationFrame(() => area.current?.focus())
  }, [editing?.id])

  useEffect(() => {
    if (replyTo) area.current?.focus()
  }, [replyTo?.id])

  const resize = () => {
    const el = area.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`
  }
  useEffect(resize, [text])

  const mention = isMentionClosed ? null : mentionQuery(text, caret)
  const suggestions = useMemo((): Suggestion[] => {
    if (!mention) return []
    const q = mention.query
    const found: Suggestion[] = []
    for (const person of people) {
      const words = person.displayName.toLowerCase().split(/\s+/)
      if (person.username.toLowerCase().startsWith(q) || words.some((word) => word.startsWith(q)))
        found.push({ username: person.username, label: person.displayName, hint: '@' + person.username })
    }
    for (const [username, hint] of [
      ['here', t('chat.mentionHereHint')],
      ['all', t('chat.mentionAllHint')],
    ] as const) {
      if (username.startsWith(q)) found.push({ username, label: '@' + username, hint })
    }
    return found.slice(0, MAX_SUGGESTIONS)
  }, [mention?.query, mention?.start, people])
  const isSuggesting = suggestions.length > 0

  const pick = (suggestion: Suggestion) => {
    if (!mention) return
    const next = text.slice(0, mention.start) + '@' + suggestion.username + ' ' + text.slice(caret)
    const position = mention.start + suggestion.username.length + 2
    setText(next)
    setCaret(position)
    setActive(0)
    requestAnimationFrame(() => {
      area.current?.focus()
      area.current?.setSelectionRange(position, position)
    })
  }

  const hasContent = text.trim() !== '' || tray.inputs.length > 0
  const isAllowed = props.canPostTopLevel || replyTo !== null || editing !== null

  const submit = async () => {
    if (isTooLong) {
      // Refused rather than cut: the writer decides what to drop.
      setRefused(true)
      area.current?.focus()
      return
    }
    if (editing) {
      if (!text.trim() && editing.attachments.length === 0) return
      setSaving(true)
      const ok = await props.onSaveEdit(text)
      setSaving(false)
      if (ok) setText('')
      return
    }
    if (!hasContent || tray.isBusy || !isAllowed || recorder.isRecording) return
    enqueue({
      clientKey: newClientKey(),
      conversationId,
      body: text,
      ...(replyTo
        ? {
            replyToId: replyTo.id,
            replyTo: {
              authorName: authorNameOf(replyTo, ''),
              excerpt: plainPreview(replyTo.body).slice(0, 140),
            },
          }
        : {}),
      attachments: tray.inputs,
      labels: tray.labels,
      // Internal notes wait in the outbox like any message when the Wi-Fi drops.
      ...(isInternal ? { isInternal: true } : {}),
    })
    setText('')
    tray.clear()
    props.onCancelReply()
    props.onSent()
    area.current?.focus()
  }

  const onKeyDown = (event: KeyboardEvent) => {
    if (isSuggesting) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault()
        const step = event.key === 'ArrowDown' ? 1 : -1
        setActive((active + step + suggestions.length) % suggestions.length)
        return
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault()
        const chosen = suggestions[active]
        if (chosen) pick(chosen)
        return
      }
      if (event.key === 'Escape') {
        event.preventDefault()
        setMentionClosed(true)
        return
      }
    }
    if (event.key === 'Escape' && editing) {
      event.preventDefault()
      props.onCancelEdit()
      setText('')
      return
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && isFinePointer()) {
      event.preventDefault()
      void submit()
    }
  }

  const onInput = (event: Event) => {
    const el = event.currentTarget as HTMLTextAreaElement
    setText(el.value)
    if (messageLength(el.value) <= MAX_MESSAGE_LENGTH) setRefused(false)
    setCaret(el.selectionStart ?? el.value.length)
    setMentionClosed(false)
    setActive(0)
    const now = Date.now()
    if (el.value.trim() && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now
      sendTyping(conversationId)
    }
  }

  if (!isAllowed) {
    return (
      <div class="composer composer-readonly">
        <p class="muted">{t('chat.boardReplyOnly')}</p>
      </div>
    )
  }

  return (
    <form
      class={isInternal ? 'composer composer-internal' : 'composer'}
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      {replyTo ? (
        <div class="composer-bar">
          <Icon name="reply" size={18} />
          <span class="composer-bar-text">
            <strong>{t('chat.replyingTo', { name: authorNameOf(replyTo, '') })}</strong>
            <span>{plainPreview(replyTo.notice?.title ?? replyTo.body) || t('chat.attachmentOnly')}</span>
          </span>
          <button type="button" class="icon-button" aria-label={t('chat.cancelReply')} onClick={props.onCancelReply}>
            <Icon name="x" size={18} />
          </button>
        </div>
      ) : null}
      {editing ? (
        <div class="composer-bar composer-bar-edit">
          <Icon name="edit" size={18} />
          <span class="composer-bar-text">
            <strong>{t('chat.editingMessage')}</strong>
          </span>
          <button
            type="button"
            class="icon-button"
            aria-label={t('chat.cancelEdit')}
            onClick={() => {
              props.onCancelEdit()
              setText('')
            }}
          >
            <Icon name="x" size={18} />
          </button>
        </div>
      ) : null}
      {isCustomer && !editing ? (
        <label class="composer-note-toggle">
          <input type="checkbox" checked={isNote} onChange={(event) => setNote(event.currentTarget.checked)} />
          {t('customers.internalNoteToggle')}
        </label>
      ) : null}
      {editing ? null : <TrayView tray={tray} />}
      {isSuggesting ? (
        <ul class="mentions" id={listId} role="listbox" aria-label={t('chat.mentionSuggestions')}>
          {suggestions.map((suggestion, index) => (
            <li
              key={suggestion.username}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active ? 'true' : 'false'}
              class={index === active ? 'mention-option mention-option-active' : 'mention-option'}
              onPointerDown={(event) => {
                event.preventDefault()
                pick(suggestion)
              }}
            >
              <span class="mention-option-label">{suggestion.label}</span>
              <span class="mention-option-hint">{suggestion.hint}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {length >= COUNTER_FROM ? (
        <p
          id={counterId}
          class={isTooLong ? 'composer-count composer-count-over' : 'composer-count'}
          role={isRefused ? 'alert' : undefined}
        >
          {isTooLong
            ? t('chat.tooLong', {
                count: length.toLocaleString(locale),
                max: MAX_MESSAGE_LENGTH.toLocaleString(locale),
                over: (length - MAX_MESSAGE_LENGTH).toLocaleString(locale),
              })
            : t('chat.charactersLeft', { count: (MAX_MESSAGE_LENGTH - length).toLocaleString(locale) })}
        </p>
      ) : null}
      <div class="composer-row">
        {editing ? null : (
          <AttachMenu tray={tray} onVoice={() => void recorder.start()} isDisabled={recorder.isRecording} />
        )}
        {recorder.isRecording ? (
          <RecordingBar recorder={recorder} />
        ) : (
          <textarea
            ref={area}
            class="composer-input"
            rows={1}
            value={text}
            placeholder={
              isInternal
                ? t('customers.notePlaceholder')
                : replyTo
                  ? t('chat.replyPlaceholder')
                  : t('chat.messagePlaceholder')
            }
            aria-label={t('chat.messageLabel')}
            // A combobox, so screen readers announce the mention list and its active option.
            role="combobox"
            aria-autocomplete="list"
            aria-controls={isSuggesting ? listId : undefined}
            aria-expanded={isSuggesting ? 'true' : 'false'}
            aria-activedescendant={isSuggesting ? `${listId}-${active}` : undefined}
            aria-invalid={isTooLong ? 'true' : undefined}
            aria-describedby={length >= COUNTER_FROM ? counterId : undefined}
            onInput={onInput}
            onKeyDown={onKeyDown}
            onKeyUp={(event) => setCaret((event.currentTarget as HTMLTextAreaElement).selectionStart ?? 0)}
            onClick={(event) => setCaret((event.currentTarget as HTMLTextAreaElement).selectionStart ?? 0)}
            onBlur={() => setMentionClosed(true)}
            onFocus={() => setMentionClosed(false)}
          />
        )}
        {recorder.isRecording ? null : !hasContent && !editing && !tray.isBusy ? (
          <MicButton recorder={recorder} />
        ) : (
          <button
            type="submit"
            class="icon-button composer-send"
            aria-label={editing ? t('chat.saveEdit') : t('chat.send')}
            disabled={isSaving || (tray.isBusy && !editing)}
          >
            <Icon name={editing ? 'check' : 'send'} size={22} />
          </button>
        )}
      </div>
    </form>
  )
}
