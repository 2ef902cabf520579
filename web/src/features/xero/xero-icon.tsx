/** The Xero conversation's mark in the chat list and above the conversation: Xero's "x" in its round badge. */
import { Icon } from '../../ui/icons'
import './xero-conversation.css'

export function XeroIcon({ isSmall }: { isSmall?: boolean }) {
  return (
    <span class={isSmall ? 'conv-icon conv-icon-small conv-icon-xero' : 'conv-icon conv-icon-xero'}>
      <Icon name="x" size={isSmall ? 16 : 20} />
    </span>
  )
}
