/** Small pieces the inbox and the chat view share: the status chip and the customer's flags. */
import './messages'
import { t } from '../../lib/i18n'
import type { CustomerStatus, CustomerView } from './customers-api'

export const STATUS_LABEL = {
  open: 'customers.statusOpen',
  waiting: 'customers.statusWaiting',
  solved: 'customers.statusSolved',
} as const

export function StatusChip({ status }: { status: CustomerStatus }) {
  return <span class={`badge customer-status customer-status-${status}`}>{t(STATUS_LABEL[status])}</span>
}

export function CustomerFlags({
  customer,
}: {
  customer: Pick<CustomerView, 'isBlocked' | 'isUnreachable' | 'isThrottled'>
}) {
  return (
    <>
      {customer.isUnreachable ? (
        <span class="badge customer-flag" title={t('customers.unreachableHint')}>
          {t('customers.unreachable')}
        </span>
      ) : null}
      {customer.isBlocked ? (
        <span class="badge customer-flag customer-flag-danger">{t('customers.blocked')}</span>
      ) : null}
      {customer.isThrottled ? (
        <span class="badge customer-flag" title={t('customers.throttledHint')}>
          {t('customers.throttled')}
        </span>
      ) : null}
    </>
  )
}
