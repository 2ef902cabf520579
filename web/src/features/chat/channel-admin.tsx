/** For a channel's admins and managers: rename, change the topic, archive, remove people. */
import { useState } from 'preact/hooks'
import { request } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { can, me } from '../../lib/session'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { Field } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import type { ConversationDetail } from './chat-api'
import { reloadConversations } from './store'

export function canManageChannel(detail: ConversationDetail): boolean {
  if (detail.kind !== 'channel') return false
  const myId = me.value?.member.id
  return can('members.manage') || detail.people.some((person) => person.id === myId && person.isAdmin)
}

/** The remove button next to a person in the people list. */
export function RemovePersonButton({
  detail,
  person,
  onDone,
}: {
  detail: ConversationDetail
  person: { id: number; displayName: string }
  onDone: () => void
}) {
  return (
    <button
      type="button"
      class="icon-button"
      aria-label={t('chat.removePerson', { name: person.displayName })}
      onClick={async () => {
        const ok = await confirm({
          title: t('chat.removePersonTitle', { name: person.displayName, channel: detail.name }),
          body: detail.isPrivate ? t('chat.removePersonPrivateBody') : t('chat.removePersonOpenBody'),
          confirmLabel: t('chat.removePersonConfirm'),
          isDanger: true,
        })
        if (!ok) return
        try {
          await request('DELETE', `/api/conversations/${detail.id}/members/${person.id}`)
          toast(t('chat.personRemoved', { name: person.displayName }))
          onDone()
        } catch (failure) {
          toast(errorMessage(failure), 'error')
        }
      }}
    >
      <Icon name="trash" size={20} />
    </button>
  )
}

/** Name, topic and archiving, shown under the people list. */
export function ChannelSettings({ detail, onDone }: { detail: ConversationDetail; onDone: () => void }) {
  const [name, setName] = useState(detail.name)
  const [topic, setTopic] = useState(detail.topic)
  const [isBusy, setBusy] = useState(false)
  const isChanged = name.trim() !== detail.name || topic.trim() !== detail.topic

  const save = async (event: Event) => {
    event.preventDefault()
    if (!name.trim()) return
    setBusy(true)
    try {
      await request('PATCH', `/api/conversations/${detail.id}`, { name: name.trim(), topic: topic.trim() })
      toast(t('chat.channelSaved'))
      await reloadConversations()
      onDone()
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    } finally {
      setBusy(false)
    }
  }

  const toggleArchive = async () => {
    if (!detail.isArchived) {
      const ok = await confirm({
        title: t('chat.archiveTitle', { name: detail.name }),
        body: t('chat.archiveBody'),
        confirmLabel: t('chat.archive'),
      })
      if (!ok) return
    }
    try {
      await request('POST', `/api/conversations/${detail.id}/${detail.isArchived ? 'unarchive' : 'archive'}`)
      toast(detail.isArchived ? t('chat.unarchivedToast') : t('chat.archivedToast'))
      await reloadConversations()
      onDone()
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    }
  }

  return (
    <form class="channel-settings form" onSubmit={save}>
      <h3>{t('chat.channelSettings')}</h3>
      {!detail.isArchived && (
        <>
          <Field label={t('chat.channelName')} value={name} onValue={setName} maxLength={60} required />
          <Field label={t('chat.channelTopic')} value={topic} onValue={setTopic} maxLength={250} />
          <Button type="submit" isBusy={isBusy} disabled={!isChanged || !name.trim()}>
            {t('chat.saveChannel')}
          </Button>
        </>
      )}
      <Button icon="archive" onClick={() => void toggleArchive()}>
        {detail.isArchived ? t('chat.unarchive') : t('chat.archive')}
      </Button>
    </form>
  )
}
