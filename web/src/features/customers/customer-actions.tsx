/** What staff do with a customer's message from its action sheet: make a task of it, or share it to a channel. */
import './messages'
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { plainPreview } from '../../lib/markdown'
import { Button } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { CheckField, Field, FormError, SelectField } from '../../ui/field'
import { toast } from '../../ui/toast'
import { newClientKey, type MessageView } from '../chat/chat-api'
import { conversations } from '../chat/store'
import { tasksApi, type TaskQueue } from '../tasks/tasks-api'
import { customersApi } from './customers-api'

/** The task form's priority presets (task-labels.ts PRIORITY_PRESETS). */
const PRIORITIES = [
  { value: '20', key: 'tasks.priorityLow' },
  { value: '50', key: 'tasks.priorityNormal' },
  { value: '70', key: 'tasks.priorityHigh' },
  { value: '90', key: 'tasks.priorityUrgent' },
] as const

export function MakeTaskDialog({ message, onClose }: { message: MessageView; onClose: () => void }) {
  const [title, setTitle] = useState(() => plainPreview(message.body).slice(0, 120))
  const [priority, setPriority] = useState('50')
  const [notifyCustomer, setNotifyCustomer] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const [clientKey] = useState(newClientKey)
  const [queues, setQueues] = useState<TaskQueue[]>([])
  const channels = (conversations.value ?? []).filter((c) => c.kind === 'channel' && !c.isArchived)
  // "q:<id>" a queue, "c:<id>" a channel: one list, queues first.
  const [place, setPlace] = useState(channels[0] ? `c:${channels[0].id}` : '')
  useEffect(() => {
    tasksApi.queues().then(
      ({ queues: found }) => {
        const open = found.filter((queue) => !queue.isArchived)
        setQueues(open)
        if (open[0]) setPlace((old) => (old.startsWith('q:') ? old : `q:${open[0]!.id}`))
      },
      () => undefined,
    )
  }, [])
  const submit = async () => {
    if (!title.trim() || !place) return
    const placeId = Number(place.slice(2))
    setBusy(true)
    try {
      await customersApi.makeTask(message.conversationId, message.id, {
        title: title.trim(),
        ...(place.startsWith('q:') ? { queueId: placeId } : { conversationId: placeId }),
        priority: Number(priority),
        notifyCustomer,
        clientKey,
      })
      toast(t('customers.taskCreated'))
      onClose()
    } catch (caught) {
      setError(errorMessage(caught))
      setBusy(false)
    }
  }
  return (
    <Dialog
      title={t('customers.makeTask')}
      onClose={onClose}
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button variant="primary" disabled={isBusy || !title.trim() || !place} onClick={() => void submit()}>
            {t('customers.makeTask')}
          </Button>
        </>
      }
    >
      <Field label={t('customers.taskTitle')} value={title} onValue={setTitle} maxLength={200} />
      <SelectField
        label={t('tasks.placeLegend')}
        value={place}
        onValue={setPlace}
        options={[
          ...queues.map((queue) => ({ value: `q:${queue.id}`, label: queue.name })),
          ...channels.map((channel) => ({ value: `c:${channel.id}`, label: `#${channel.name}` })),
        ]}
      />
      <SelectField
        label={t('customers.taskPriority')}
        value={priority}
        onValue={setPriority}
        options={PRIORITIES.map((p) => ({ value: p.value, label: t(p.key) }))}
      />
      <CheckField label={t('customers.notifyCustomer')} checked={notifyCustomer} onChecked={setNotifyCustomer} />
      <FormError message={error} />
    </Dialog>
  )
}

export function ShareDialog({ message, onClose }: { message: MessageView; onClose: () => void }) {
  const channels = (conversations.value ?? []).filter((c) => c.kind === 'channel' && !c.isArchived)
  const [channelId, setChannelId] = useState(String(channels[0]?.id ?? ''))
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const submit = async () => {
    if (!channelId) return
    setBusy(true)
    try {
      await customersApi.share(message.conversationId, message.id, Number(channelId), note.trim() || undefined)
      toast(t('customers.shared'))
      onClose()
    } catch (caught) {
      setError(errorMessage(caught))
      setBusy(false)
    }
  }
  return (
    <Dialog
      title={t('customers.shareToChannel')}
      onClose={onClose}
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button variant="primary" disabled={isBusy || !channelId} onClick={() => void submit()}>
            {t('customers.share')}
          </Button>
        </>
      }
    >
      {channels.length === 0 ? (
        <p class="muted">{t('customers.noChannels')}</p>
      ) : (
        <>
          <SelectField
            label={t('customers.shareChannel')}
            value={channelId}
            onValue={setChannelId}
            options={channels.map((c) => ({ value: String(c.id), label: `#${c.name}` }))}
          />
          <Field label={t('customers.shareNote')} value={note} onValue={setNote} maxLength={500} />
        </>
      )}
      <FormError message={error} />
    </Dialog>
  )
}
