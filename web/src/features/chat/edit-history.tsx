/** The earlier versions of an edited message or notice: what it said before each edit, who edited it and when. */
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { formatDateTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { Dialog } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { chatApi, type MessageRevision } from './chat-api'
import { Markdown } from '../../lib/markdown'

export function EditHistoryDialog({ messageId, onClose }: { messageId: number; onClose: () => void }) {
  const [revisions, setRevisions] = useState<MessageRevision[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    chatApi.revisions(messageId).then(setRevisions, (failure: unknown) => setError(errorMessage(failure)))
  }, [messageId])
  return (
    <Dialog title={t('chat.editHistoryTitle')} onClose={onClose}>
      {error ? <p class="notice notice-error">{error}</p> : null}
      {!revisions && !error ? <Loading label={t('common.loading')} /> : null}
      {revisions && revisions.length === 0 ? <EmptyState title={t('chat.editHistoryEmpty')} /> : null}
      {revisions && revisions.length ? (
        <ol class="rows edit-history" aria-label={t('chat.editHistoryTitle')}>
          {revisions.map((revision) => (
            <li key={revision.id} class="row-item" data-testid="message-revision">
              <p class="muted">
                {t('chat.editHistoryEntry', {
                  name: revision.editedBy?.displayName ?? t('chat.someone'),
                  when: formatDateTime(revision.editedAt),
                })}
              </p>
              {revision.title ? <strong>{revision.title}</strong> : null}
              {revision.body ? <Markdown text={revision.body} surface="message" /> : null}
            </li>
          ))}
        </ol>
      ) : null}
    </Dialog>
  )
}
