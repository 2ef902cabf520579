/**
 * The customer under a customer conversation's header: name, reference and flags in one
 * line that opens the details (contact, source, status, assignee, tags, colleagues, Xero
 * contact, block).
 */
import './messages'
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { locale, t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can, me } from '../../lib/session'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import type { ConversationDetail } from '../chat/chat-api'
import { CustomerFlags, STATUS_LABEL, StatusChip } from './customer-bits'
import { customersApi, type CustomerStatus, type CustomerView } from './customers-api'
import { canLinkXeroContact, XeroContactSection } from './xero-contact'
import './customers.css'

export function CustomerPanel({ detail }: { detail: ConversationDetail }) {
  const id = detail.id
  const [customer, setCustomer] = useState<CustomerView | null>(null)
  const [isOpen, setOpen] = useState(false)
  const [isBusy, setBusy] = useState(false)
  const [newTag, setNewTag] = useState('')
  const load = () => customersApi.get(id).then(setCustomer, (error: unknown) => toast(errorMessage(error), 'error'))
  useEffect(() => {
    setCustomer(null)
    void load()
  }, [id])
  // The throttled flag and the last contact change with the customer's messages too.
  useLive(['customer.changed', 'message.created'], (event) => {
    if (event === null) void load()
    else if (event.type === 'customer.changed' && event.data.conversationId === id) void load()
    else if (event.type === 'message.created' && event.data.message.conversationId === id) void load()
  })
  if (!customer) return null
  const act = async (run: () => Promise<unknown>) => {
    setBusy(true)
    try {
      await run()
      await load()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setBusy(false)
    }
  }
  const addTag = async () => {
    const tag = newTag.trim().toLowerCase()
    if (!tag || customer.tags.includes(tag)) return setNewTag('')
    await act(() => customersApi.setTags(id, [...customer.tags, tag]))
    setNewTag('')
  }
  const erase = async () => {
    const ok = await confirm({
      title: t('customers.eraseTitle', { name: customer.name }),
      body: t('customers.eraseBody'),
      confirmLabel: t('customers.erase'),
      isDanger: true,
    })
    if (ok) await act(() => customersApi.erase(id))
  }
  const when = (at: number) => new Date(at).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
  const toggleBlock = async () => {
    const isBlocking = !customer.isBlocked
    if (isBlocking) {
      const ok = await confirm({
        title: t('customers.blockTitle', { name: customer.name }),
        body: t('customers.blockBody'),
        confirmLabel: t('customers.block'),
        isDanger: true,
      })
      if (!ok) return
    }
    await act(() => customersApi.block(id, isBlocking))
  }
  // Answerers are the conversation's members; the assignee and participants are listed even if they left it.
  const answerers = new Map<number, string>()
  const self = me.value?.member
  if (self && can('customers.answer')) answerers.set(self.id, self.displayName)
  for (const person of [...detail.members, ...customer.participants, ...(customer.assignee ? [customer.assignee] : [])])
    answerers.set(person.id, person.displayName)
  return (
    <section class="customer-panel" aria-label={t('customers.panelLabel')}>
      <button
        type="button"
        class="customer-panel-summary"
        aria-expanded={isOpen ? 'true' : 'false'}
        onClick={() => setOpen(!isOpen)}
      >
        <span class="customer-panel-ref">{customer.reference}</span>
        <StatusChip status={customer.status} />
        <CustomerFlags customer={customer} />
        <span class="customer-panel-ref">
          {customer.assignee ? customer.assignee.displayName : t('customers.unassigned')}
        </span>
        <Icon name={isOpen ? 'arrowUp' : 'arrowDown'} size={16} />
      </button>
      {isOpen ? (
        <div class="customer-panel-body">
          <p class="customer-panel-facts">
            <strong>{customer.name}</strong>
            {customer.username ? <span>@{customer.username}</span> : null}
            {customer.phone ? <a href={`tel:${customer.phone}`}>{customer.phone}</a> : null}
            {customer.source ? <span>{t('customers.source', { source: customer.source })}</span> : null}
            {customer.language ? <span>{t('customers.language', { language: customer.language })}</span> : null}
          </p>
          <p class="customer-panel-facts muted">
            <span>{t('customers.firstContact', { when: when(customer.firstContactAt) })}</span>
            <span>{t('customers.lastContact', { when: when(customer.lastContactAt) })}</span>
            {customer.episode > 1 ? <span>{t('customers.requestNumber', { number: customer.episode })}</span> : null}
            {customer.satisfaction ? (
              <span>{t('customers.rated', { rating: customer.satisfaction === 'up' ? '👍' : '👎' })}</span>
            ) : null}
          </p>
          <div class="customer-panel-controls">
            <SelectField
              label={t('customers.status')}
              value={customer.status}
              disabled={isBusy}
              options={(['open', 'waiting', 'solved'] as const).map((value) => ({
                value,
                label: t(STATUS_LABEL[value]),
              }))}
              onValue={(value) => void act(() => customersApi.setStatus(id, value as CustomerStatus))}
            />
            <SelectField
              label={t('customers.assignee')}
              value={String(customer.assignee?.id ?? '')}
              disabled={isBusy}
              options={[
                { value: '', label: t('customers.nobody') },
                ...[...answerers].map(([memberId, name]) => ({ value: String(memberId), label: name })),
              ]}
              onValue={(value) => void act(() => customersApi.assign(id, value ? Number(value) : null))}
            />
          </div>
          <div class="customer-panel-group" role="group" aria-label={t('customers.tags')}>
            <span class="field-label">{t('customers.tags')}</span>
            <ul class="customer-chips">
              {customer.tags.map((tag) => (
                <li key={tag} class="customer-chip">
                  {tag}
                  <button
                    type="button"
                    class="icon-button"
                    aria-label={t('customers.removeTag', { tag })}
                    disabled={isBusy}
                    onClick={() =>
                      void act(() =>
                        customersApi.setTags(
                          id,
                          customer.tags.filter((x) => x !== tag),
                        ),
                      )
                    }
                  >
                    <Icon name="x" size={14} />
                  </button>
                </li>
              ))}
            </ul>
            <form
              class="customer-inline-form"
              onSubmit={(event) => {
                event.preventDefault()
                void addTag()
              }}
            >
              <input
                class="input"
                value={newTag}
                maxLength={30}
                aria-label={t('customers.newTag')}
                placeholder={t('customers.newTag')}
                onInput={(event) => setNewTag(event.currentTarget.value)}
              />
              <Button type="submit" isSmall variant="secondary" disabled={isBusy || !newTag.trim()}>
                {t('customers.addTag')}
              </Button>
            </form>
          </div>
          <div class="customer-panel-group" role="group" aria-label={t('customers.colleagues')}>
            <span class="field-label">{t('customers.colleagues')}</span>
            <ul class="customer-chips">
              {customer.participants.map((person) => (
                <li key={person.id} class="customer-chip">
                  {person.displayName}
                  <button
                    type="button"
                    class="icon-button"
                    aria-label={t('customers.removeColleague', { name: person.displayName })}
                    disabled={isBusy}
                    onClick={() => void act(() => customersApi.removeParticipant(id, person.id))}
                  >
                    <Icon name="x" size={14} />
                  </button>
                </li>
              ))}
            </ul>
            <SelectField
              label={t('customers.addColleague')}
              value=""
              disabled={isBusy}
              options={[
                { value: '', label: t('customers.chooseColleague') },
                ...[...answerers]
                  .filter(([memberId]) => !customer.participants.some((p) => p.id === memberId))
                  .map(([memberId, name]) => ({ value: String(memberId), label: name })),
              ]}
              onValue={(value) => {
                if (value) void act(() => customersApi.addParticipant(id, Number(value)))
              }}
            />
          </div>
          {canLinkXeroContact() ? <XeroContactSection customer={customer} onChange={setCustomer} /> : null}
          <div class="customer-panel-actions">
            <Button
              isSmall
              variant={customer.isBlocked ? 'secondary' : 'danger'}
              disabled={isBusy}
              onClick={() => void toggleBlock()}
            >
              {customer.isBlocked ? t('customers.unblock') : t('customers.block')}
            </Button>
            {can('settings.manage') && !customer.isErased ? (
              <Button isSmall variant="danger" disabled={isBusy} onClick={() => void erase()}>
                {t('customers.erase')}
              </Button>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  )
}
