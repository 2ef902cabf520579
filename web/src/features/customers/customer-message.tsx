/** What a message in a customer conversation adds to its bubble: the reply's delivery, kept live. */
import './messages'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import type { MessageView } from '../chat/chat-api'

type Fields = NonNullable<MessageView['customer']>

/** Older cached messages have no customer field: read it as null. */
export function customerOf(message: MessageView): Fields | null {
  return message.customer ?? null
}

/** ⏳ queued, ✓ sent, ! failed (the reason as its title); follows 'customer.delivery'. */
export function DeliveryMark({ message, fields }: { message: MessageView; fields: Fields }) {
  const [state, setState] = useState({ delivery: fields.delivery, error: fields.deliveryError })
  useEffect(() => {
    setState({ delivery: fields.delivery, error: fields.deliveryError })
  }, [fields.delivery, fields.deliveryError])
  useLive(['customer.delivery'], (event) => {
    if (event?.type === 'customer.delivery' && event.data.messageId === message.id)
      setState({ delivery: event.data.delivery, error: event.data.deliveryError })
  })
  if (!state.delivery) return null
  const label =
    state.delivery === 'queued'
      ? t('customers.deliveryQueued')
      : state.delivery === 'sent'
        ? t('customers.deliverySent')
        : t('customers.deliveryFailed', { reason: state.error ?? '' })
  const mark = state.delivery === 'queued' ? '⏳' : state.delivery === 'sent' ? '✓' : '!'
  return (
    <span
      class={`msg-delivery msg-delivery-${state.delivery}`}
      title={state.delivery === 'failed' ? (state.error ?? label) : label}
      role="img"
      aria-label={label}
      data-delivery={state.delivery}
    >
      {mark}
    </span>
  )
}
