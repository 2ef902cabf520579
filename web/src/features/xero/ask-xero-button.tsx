/** "Ask Xero" above the chat list: opens the member's own conversation with Xero, made on first use. */
import './messages'
import { useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { conversations } from '../chat/store'
import { xeroApi } from './xero-api'

export function AskXeroButton() {
  const [isBusy, setBusy] = useState(false)
  const open = async () => {
    const listed = conversations.value?.find((conversation) => conversation.kind === 'xero')
    if (listed) return navigate(`/chat/${listed.id}`)
    setBusy(true)
    try {
      const { conversationId } = await xeroApi.conversation()
      navigate(`/chat/${conversationId}`)
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setBusy(false)
    }
  }
  return (
    <button
      type="button"
      class="chip"
      disabled={isBusy}
      aria-busy={isBusy ? 'true' : undefined}
      onClick={() => void open()}
    >
      <Icon name="chat" size={18} />
      {t('xero.ask')}
    </button>
  )
}
