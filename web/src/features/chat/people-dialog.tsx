/** Who is in a conversation, with adding people, leaving, and a channel's settings for its admins. */
import { useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t, tn } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { toast } from '../../ui/toast'
import { chatApi, type ConversationDetail } from './chat-api'
import { ChannelSettings, canManageChannel, RemovePersonButton } from './channel-admin'
import { PeoplePicker } from './people-picker'
import { PresenceDot, presenceText } from './presence'
import { reloadConversations } from './store'

export function PeopleDialog({ detail, onClose }: { detail: ConversationDetail; onClose: () => void }) {
  const [isAdding, setAdding] = useState(false)
  const [selected, setSelected] = useState<number[]>([])
  const [isBusy, setBusy] = useState(false)
  const myId = me.value?.member.id
  const isChannel = detail.kind === 'channel'
  const isManager = canManageChannel(detail)

  const add = async () => {
    setBusy(true)
    try {
      const { added } = await chatApi.addMembers(detail.id, selected)
      toast(tn('chat.peopleAdded', added.length))
      onClose()
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    } finally {
      setBusy(false)
    }
  }
  const leave = async () => {
    const ok = await confirm({
      title: t('chat.leaveTitle', { name: detail.name }),
      body: detail.isPrivate ? t('chat.leavePrivateBody') : t('chat.leaveOpenBody'),
      confirmLabel: t('chat.leave'),
      isDanger: true,
    })
    if (!ok) return
    try {
      await chatApi.leave(detail.id)
      await reloadConversations()
      navigate('/chat', { replace: true })
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    }
  }

  return (
    <Dialog
      title={isAdding ? t('chat.addPeople') : tn('chat.memberCount', detail.people.length)}
      onClose={onClose}
      footer={
        isAdding ? (
          <>
            <Button onClick={() => setAdding(false)}>{t('common.cancel')}</Button>
            <Button variant="primary" isBusy={isBusy} disabled={selected.length === 0} onClick={() => void add()}>
              {t('chat.addPeople')}
            </Button>
          </>
        ) : isChannel ? (
          <>
            <Button icon="logout" variant="danger" onClick={() => void leave()}>
              {t('chat.leave')}
            </Button>
            <Button icon="userPlus" onClick={() => setAdding(true)}>
              {t('chat.addPeople')}
            </Button>
          </>
        ) : undefined
      }
    >
      {isAdding ? (
        <PeoplePicker selected={selected} onChange={setSelected} exclude={detail.people.map((person) => person.id)} />
      ) : (
        <ul class="who-list">
          {detail.people.map((person) => (
            <li key={person.id}>
              <span class="avatar-with-dot">
                <Avatar name={person.displayName} size="small" />
                <PresenceDot memberId={person.id} />
              </span>
              <span class="who-text">
                <span>
                  {person.displayName}
                  {person.id === myId ? ` (${t('chat.you')})` : ''}
                </span>
                <span class="who-sub">{presenceText(person.id)}</span>
              </span>
              {person.isAdmin ? <span class="badge">{t('chat.admin')}</span> : null}
              {isManager && person.id !== myId ? (
                <RemovePersonButton detail={detail} person={person} onDone={onClose} />
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {!isAdding && isManager ? <ChannelSettings detail={detail} onDone={onClose} /> : null}
    </Dialog>
  )
}
