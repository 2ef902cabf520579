/** The bell in a conversation's header: mute its notifications for a while, or unmute. */
import { useState } from 'preact/hooks'
import { request } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatDateTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { conversations, reloadConversations } from '../chat/store'
import './notifications.css'

const HOUR = 3_600_000
/** "Until I turn it back on": far enough away to mean for good. */
const FOREVER = Date.UTC(2100, 0, 1)

export function MuteButton({ conversationId }: { conversationId: number }) {
  const [isOpen, setOpen] = useState(false)
  const item = conversations.value?.find((c) => c.id === conversationId)
  const mutedUntil = item?.mutedUntil ?? null

  const mute = async (until: number | null) => {
    setOpen(false)
    try {
      await request('PUT', `/api/conversations/${conversationId}/mute`, { until })
      toast(
        until === null
          ? t('push.unmuted')
          : until >= FOREVER
            ? t('push.mutedForever')
            : t('push.mutedUntil', { when: formatDateTime(until) }),
      )
      await reloadConversations()
    } catch (error) {
      toast(errorMessage(error), 'error')
    }
  }

  return (
    <div class="mute-menu">
      <button
        type="button"
        class="icon-button"
        aria-haspopup="menu"
        aria-expanded={isOpen}
        aria-label={mutedUntil ? t('push.mutedLabel') : t('push.muteLabel')}
        onClick={() => setOpen(!isOpen)}
      >
        <Icon name={mutedUntil ? 'bell-off' : 'bell'} size={22} />
      </button>
      {isOpen && (
        <ul class="mute-options" role="menu">
          {mutedUntil ? (
            <li role="none">
              <button type="button" role="menuitem" onClick={() => mute(null)}>
                {t('push.unmute')}
              </button>
            </li>
          ) : (
            (
              [
                ['push.mute1h', Date.now() + HOUR],
                ['push.mute8h', Date.now() + 8 * HOUR],
                ['push.mute1w', Date.now() + 7 * 24 * HOUR],
                ['push.muteForever', FOREVER],
              ] as const
            ).map(([key, until]) => (
              <li role="none" key={key}>
                <button type="button" role="menuitem" onClick={() => mute(until)}>
                  {t(key)}
                </button>
              </li>
            ))
          )}
        </ul>
      )}
    </div>
  )
}
