/** A message of mine still in the outbox, shown in the conversation until the server has it. */
import { t } from '../../lib/i18n'
import { Icon } from '../../ui/icons'
import { LocationChip } from './attachments'
import { Markdown } from '../../lib/markdown'
import { discard, retry, type PendingSend } from './outbox'

/** A message still in the outbox: greyed with a clock, or with the server's refusal. */
export function PendingItem({ item }: { item: PendingSend }) {
  return (
    <div class="msg msg-mine msg-pending" data-client-key={item.clientKey} data-testid="pending-message">
      <div class="msg-main">
        <div class="msg-bubble">
          {item.replyTo ? (
            <span class="msg-quote">
              <span class="msg-quote-author">{item.replyTo.authorName}</span>
              <span class="msg-quote-text">{item.replyTo.excerpt}</span>
            </span>
          ) : null}
          {item.body ? <Markdown text={item.body} surface="message" /> : null}
          {item.labels.length ? (
            <div class="atts">
              {item.labels.map((label, index) => {
                const input = item.attachments[index]
                if (input && 'location' in input) {
                  return (
                    <LocationChip
                      key={index}
                      latitude={input.location.latitude}
                      longitude={input.location.longitude}
                      accuracyM={input.location.accuracyM ?? null}
                    />
                  )
                }
                return (
                  <span key={index} class="att-file">
                    <span class="att-file-icon">
                      <Icon
                        name={label.kind === 'image' ? 'image' : label.kind === 'audio' ? 'mic' : 'file'}
                        size={20}
                      />
                    </span>
                    <span class="att-file-text">
                      <span class="att-file-name">{label.name}</span>
                    </span>
                  </span>
                )
              })}
            </div>
          ) : null}
          <span class="msg-meta">
            {item.error ? (
              <span class="msg-failed">
                <Icon name="alert" size={14} /> {t('chat.notSent')}
              </span>
            ) : (
              <span class="msg-waiting">
                <Icon name="clock" size={14} label={t('chat.pending')} />
                {t('chat.pendingShort')}
              </span>
            )}
          </span>
        </div>
        {item.error ? (
          <div class="msg-pending-actions">
            <p class="msg-error" role="alert">
              {item.error}
            </p>
            <button type="button" class="button button-ghost button-small" onClick={() => retry(item.clientKey)}>
              {t('common.retry')}
            </button>
            <button type="button" class="button button-ghost button-small" onClick={() => discard(item.clientKey)}>
              {t('chat.discard')}
            </button>
          </div>
        ) : null}
      </div>
    </div>
  )
}
