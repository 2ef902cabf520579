/**
 * The customer's Xero contact, in the customer panel: the linked contact with Unlink, or a
 * search of Xero's contacts to pick one. Shown while Xero is connected to members the server
 * lets link (customers.answer, and settings.manage or xero.read); /balance is mentioned only
 * when the owner's setting lets linked customers ask it.
 */
import './messages'
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { can } from '../../lib/session'
import { announce } from '../../ui/announcer'
import { buttonClass } from '../../ui/button'
import { Field } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { cardErrorMessage } from '../xero/cards-api'
import { xeroApi } from '../xero/xero-api'
import { customersApi, type CustomerView, type XeroContactRef } from './customers-api'

const SEARCH_DELAY_MS = 300
const MIN_LETTERS = 2

/** The server's rule for PUT /api/customers/{id}/xero-contact. */
export function canLinkXeroContact(): boolean {
  return can('customers.answer') && (can('settings.manage') || can('xero.read'))
}

interface XeroAccess {
  isConnected: boolean
  /** The owner lets linked customers ask /balance; only members who manage settings can know. */
  offersBalance: boolean
}

async function xeroAccess(): Promise<XeroAccess> {
  // Xero's status is for members who may read Xero; the others allowed to link manage settings.
  const [state, settings] = await Promise.all([
    can('xero.read') ? xeroApi.status().then((s) => s.state) : xeroApi.connection().then((c) => c.state),
    can('settings.manage') ? xeroApi.settings().catch(() => null) : Promise.resolve(null),
  ])
  return { isConnected: state === 'connected', offersBalance: settings?.customerBalance === true }
}

export function XeroContactSection({
  customer,
  onChange,
}: {
  customer: CustomerView
  onChange: (view: CustomerView) => void
}) {
  const [access, setAccess] = useState<XeroAccess | null>(null)
  const [q, setQ] = useState('')
  const [results, setResults] = useState<XeroContactRef[] | null>(null)
  const [isSearching, setSearching] = useState(false)
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const group = useRef<HTMLDivElement>(null)
  const errorId = useId()
  // After linking or unlinking, focus goes to what replaced the control that was used.
  const focusNext = useRef(false)

  useEffect(() => {
    let isCurrent = true
    xeroAccess().then(
      (found) => isCurrent && setAccess(found),
      // Not allowed after all, or unreachable: nothing to offer.
      () => isCurrent && setAccess(null),
    )
    return () => void (isCurrent = false)
  }, [])

  useEffect(() => {
    setError(null)
    const term = q.trim()
    if (term.length < MIN_LETTERS) {
      setResults(null)
      setSearching(false)
      return
    }
    let isCurrent = true
    setSearching(true)
    const timer = setTimeout(() => {
      customersApi.xeroContacts(term).then(
        ({ contacts }) => {
          if (!isCurrent) return
          setResults(contacts)
          setSearching(false)
        },
        (failure: unknown) => {
          if (!isCurrent) return
          setError(cardErrorMessage(failure))
          setResults(null)
          setSearching(false)
        },
      )
    }, SEARCH_DELAY_MS)
    return () => {
      isCurrent = false
      clearTimeout(timer)
    }
  }, [q])

  useEffect(() => {
    if (!focusNext.current) return
    focusNext.current = false
    group.current?.querySelector<HTMLElement>('input, button')?.focus()
  })

  const linked = customer.xeroContact
  if (!access?.isConnected || (customer.isErased && !linked)) return null

  const link = async (contact: XeroContactRef | null) => {
    setBusy(true)
    setError(null)
    try {
      const view = await customersApi.linkXeroContact(customer.conversationId, contact)
      focusNext.current = true
      setQ('')
      setResults(null)
      onChange(view)
      announce(
        view.xeroContact ? t('customers.xeroLinked', { name: view.xeroContact.name }) : t('customers.xeroUnlinked'),
      )
    } catch (failure) {
      setError(cardErrorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="customer-panel-group customer-xero" role="group" aria-label={t('customers.xeroContact')} ref={group}>
      {linked ? (
        <>
          <span class="field-label">{t('customers.xeroContact')}</span>
          <div class="customer-xero-linked">
            <Icon name="link" size={18} />
            <span class="customer-xero-name">{linked.name}</span>
            <button
              type="button"
              class={buttonClass('secondary', { isSmall: true })}
              aria-label={t('customers.xeroUnlinkLabel', { name: linked.name })}
              aria-describedby={error ? errorId : undefined}
              disabled={isBusy}
              onClick={() => void link(null)}
            >
              <span>{t('customers.xeroUnlink')}</span>
            </button>
          </div>
          {error ? (
            <p class="field-error" id={errorId} role="alert">
              {error}
            </p>
          ) : null}
        </>
      ) : can('xero.read') ? (
        <>
          <Field
            class="customer-xero-search"
            label={t('customers.xeroSearch')}
            type="search"
            value={q}
            maxLength={100}
            autoComplete="off"
            hint={t('customers.xeroSearchHint')}
            error={error}
            onValue={setQ}
          />
          {isSearching ? <p class="field-hint">{t('customers.xeroSearching')}</p> : null}
          {results && results.length === 0 ? <p class="field-hint">{t('customers.xeroNoMatch')}</p> : null}
          {results && results.length > 0 ? (
            <ul class="customer-xero-results" aria-label={t('customers.xeroResults')}>
              {results.map((contact) => (
                <li key={contact.id}>
                  <button
                    type="button"
                    class="customer-xero-pick"
                    aria-label={t('customers.xeroPickLabel', { name: contact.name })}
                    disabled={isBusy}
                    onClick={() => void link(contact)}
                  >
                    <Icon name="link" size={18} />
                    <span>{contact.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : (
        <>
          <span class="field-label">{t('customers.xeroContact')}</span>
          <p class="field-hint">{t('customers.xeroSearchNeedsRead')}</p>
        </>
      )}
      {access.offersBalance ? <p class="field-hint customer-xero-hint">{t('customers.xeroBalanceHint')}</p> : null}
    </div>
  )
}
