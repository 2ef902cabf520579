/**
 * /settings/customers — whether customers can write to the shop's bot, what the bot tells
 * them, business hours, limits, and the bot link with its QR code for the counter.
 */
import './messages'
import { useEffect, useState } from 'preact/hooks'
import { systemApi } from '../../lib/api-system'
import { errorMessage } from '../../lib/errors'
import { locale, t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { CopyField } from '../../ui/copy-field'
import { Loading } from '../../ui/empty-state'
import { CheckField, Field, FormError, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { QrCode } from '../../ui/qr-image'
import { toast } from '../../ui/toast'
import { tasksApi, type TaskQueue } from '../tasks/tasks-api'
import { customersApi, type CustomerSettingsView } from './customers-api'
import './customers.css'

type Hours = NonNullable<CustomerSettingsView['hours']>
type Day = '0' | '1' | '2' | '3' | '4' | '5' | '6'
/** Monday first, as shop rotas are written. */
const WEEK: readonly Day[] = ['1', '2', '3', '4', '5', '6', '0']

function dayName(day: Day): string {
  // 2026-11-29 was a Sunday: add the weekday number to it.
  return new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(
    Date.UTC(2026, 10, 29 + Number(day)),
  )
}

export function CustomerSettingsPage() {
  const [settings, setSettings] = useState<CustomerSettingsView | null>(null)
  const [isEnabled, setEnabled] = useState<boolean | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    customersApi.settings().then(setSettings, (caught: unknown) => setError(errorMessage(caught)))
    systemApi.settings().then(
      (shop) => setEnabled(shop.customersEnabled),
      (caught: unknown) => setError(errorMessage(caught)),
    )
  }, [])
  const toggle = async (next: boolean) => {
    setEnabled(next)
    try {
      const shop = await systemApi.updateSettings({ customersEnabled: next })
      setEnabled(shop.customersEnabled)
      toast(t('customers.saved'))
    } catch (caught) {
      setEnabled(!next)
      toast(errorMessage(caught), 'error')
    }
  }
  return (
    <Page
      title={t('customers.settingsTitle')}
      subtitle={t('customers.settingsHint')}
      back={{ href: '/settings', label: t('settings.title') }}
    >
      {error ? (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      {isEnabled !== null ? (
        <Section>
          <CheckField
            label={t('customers.enabled')}
            hint={t('customers.enabledHint')}
            checked={isEnabled}
            onChecked={(next) => void toggle(next)}
            isSwitch
          />
        </Section>
      ) : null}
      {settings ? (
        <SettingsForm saved={settings} onSaved={setSettings} />
      ) : error ? null : (
        <Loading label={t('common.loading')} />
      )}
      <LinkSection />
    </Page>
  )
}

function numberOrNull(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null
}

function SettingsForm({
  saved,
  onSaved,
}: {
  saved: CustomerSettingsView
  onSaved: (next: CustomerSettingsView) => void
}) {
  const [welcomeText, setWelcomeText] = useState(saved.welcomeText)
  const [awayText, setAwayText] = useState(saved.awayText)
  const [signReplies, setSignReplies] = useState(saved.signReplies)
  const [askSatisfaction, setAskSatisfaction] = useState(saved.askSatisfaction)
  const [taskTakenText, setTaskTakenText] = useState(saved.taskTakenText)
  const [taskDoneText, setTaskDoneText] = useState(saved.taskDoneText)
  const [hours, setHours] = useState<Hours | null>(saved.hours)
  const [episodeAfterDays, setEpisodeAfterDays] = useState(String(saved.episodeAfterDays ?? ''))
  const [ratePerMinute, setRatePerMinute] = useState(String(saved.ratePerMinute))
  const [dailyMb, setDailyMb] = useState(String(saved.dailyMb))
  const [retentionDays, setRetentionDays] = useState(String(saved.retentionDays ?? ''))
  const [queueId, setQueueId] = useState(String(saved.queueId ?? ''))
  const [queues, setQueues] = useState<TaskQueue[]>([])
  useEffect(() => {
    tasksApi.queues().then(
      (data) => setQueues(data.queues.filter((queue) => !queue.isArchived)),
      () => setQueues([]),
    )
  }, [])
  const [formError, setFormError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const save = async () => {
    const rate = numberOrNull(ratePerMinute)
    const mb = numberOrNull(dailyMb)
    if (rate === null || mb === null) {
      setFormError(t('customers.ratePerMinute') + ' / ' + t('customers.dailyMb'))
      return
    }
    setBusy(true)
    setFormError(null)
    try {
      const next = await customersApi.updateSettings({
        welcomeText: welcomeText.trim(),
        awayText: awayText.trim(),
        signReplies,
        askSatisfaction,
        taskTakenText: taskTakenText.trim(),
        taskDoneText: taskDoneText.trim(),
        hours,
        episodeAfterDays: numberOrNull(episodeAfterDays),
        ratePerMinute: rate,
        dailyMb: mb,
        retentionDays: numberOrNull(retentionDays),
        queueId: numberOrNull(queueId),
      })
      onSaved(next)
      toast(t('customers.saved'))
    } catch (caught) {
      setFormError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        void save()
      }}
    >
      <Section title={t('customers.messagesSection')}>
        <TextArea label={t('customers.welcomeText')} value={welcomeText} onValue={setWelcomeText} />
        <TextArea label={t('customers.awayText')} value={awayText} onValue={setAwayText} />
        <TextArea label={t('customers.taskTakenText')} value={taskTakenText} onValue={setTaskTakenText} />
        <TextArea label={t('customers.taskDoneText')} value={taskDoneText} onValue={setTaskDoneText} />
        <CheckField label={t('customers.signReplies')} checked={signReplies} onChecked={setSignReplies} isSwitch />
        <CheckField
          label={t('customers.askSatisfaction')}
          checked={askSatisfaction}
          onChecked={setAskSatisfaction}
          isSwitch
        />
      </Section>
      <Section title={t('customers.queueSection')}>
        <SelectField
          label={t('customers.queue')}
          hint={t('customers.queueHint')}
          value={queueId}
          onValue={setQueueId}
          options={[
            { value: '', label: t('customers.noQueue') },
            ...queues.map((queue) => ({ value: String(queue.id), label: queue.name })),
          ]}
        />
      </Section>
      <Section title={t('customers.hoursSection')}>
        <HoursEditor hours={hours} onHours={setHours} />
      </Section>
      <Section title={t('customers.limitsSection')}>
        <Field
          label={t('customers.episodeAfterDays')}
          value={episodeAfterDays}
          onValue={setEpisodeAfterDays}
          inputMode="numeric"
        />
        <Field
          label={t('customers.ratePerMinute')}
          value={ratePerMinute}
          onValue={setRatePerMinute}
          inputMode="numeric"
        />
        <Field label={t('customers.dailyMb')} value={dailyMb} onValue={setDailyMb} inputMode="numeric" />
        <Field
          label={t('customers.retentionDays')}
          value={retentionDays}
          onValue={setRetentionDays}
          inputMode="numeric"
        />
      </Section>
      <FormError message={formError} />
      <Button type="submit" variant="primary" disabled={isBusy} isBlock>
        {t('common.save')}
      </Button>
    </form>
  )
}

function TextArea({ label, value, onValue }: { label: string; value: string; onValue: (next: string) => void }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      <textarea class="input" rows={3} value={value} onInput={(event) => onValue(event.currentTarget.value)} />
    </label>
  )
}

function HoursEditor({ hours, onHours }: { hours: Hours | null; onHours: (next: Hours | null) => void }) {
  const [holiday, setHoliday] = useState('')
  if (!hours) {
    return (
      <CheckField
        label={t('customers.alwaysOpen')}
        checked
        onChecked={() =>
          onHours({
            days: Object.fromEntries(WEEK.slice(0, 5).map((d) => [d, [{ from: '09:00', to: '17:00' }]])),
            holidays: [],
          })
        }
        isSwitch
      />
    )
  }
  const setDay = (day: Day, periods: { from: string; to: string }[]) => {
    const days = { ...hours.days }
    if (periods.length) days[day] = periods
    else delete days[day]
    onHours({ ...hours, days })
  }
  return (
    <>
      <CheckField label={t('customers.alwaysOpen')} checked={false} onChecked={() => onHours(null)} isSwitch />
      {WEEK.map((day) => {
        const periods = hours.days[day] ?? []
        return (
          <div key={day} class="customer-hours-day">
            <strong>{dayName(day)}</strong>
            {periods.length === 0 ? <span class="muted">{t('customers.closed')}</span> : null}
            {periods.map((period, index) => (
              <div key={index} class="customer-period">
                <input
                  type="time"
                  class="input"
                  aria-label={`${dayName(day)} ${t('customers.from')}`}
                  value={period.from}
                  onInput={(event) =>
                    setDay(
                      day,
                      periods.map((p, i) => (i === index ? { ...p, from: event.currentTarget.value } : p)),
                    )
                  }
                />
                <span aria-hidden="true">–</span>
                <input
                  type="time"
                  class="input"
                  aria-label={`${dayName(day)} ${t('customers.to')}`}
                  value={period.to}
                  onInput={(event) =>
                    setDay(
                      day,
                      periods.map((p, i) => (i === index ? { ...p, to: event.currentTarget.value } : p)),
                    )
                  }
                />
                <button
                  type="button"
                  class="icon-button"
                  aria-label={t('customers.removePeriod')}
                  onClick={() =>
                    setDay(
                      day,
                      periods.filter((_, i) => i !== index),
                    )
                  }
                >
                  <Icon name="x" size={18} />
                </button>
              </div>
            ))}
            {periods.length < 6 ? (
              <div>
                <Button
                  isSmall
                  variant="ghost"
                  icon="plus"
                  onClick={() => setDay(day, [...periods, { from: '09:00', to: '17:00' }])}
                >
                  {t('customers.addPeriod')}
                </Button>
              </div>
            ) : null}
          </div>
        )
      })}
      <div class="customer-hours-day">
        <strong>{t('customers.holidays')}</strong>
        {hours.holidays.map((date) => (
          <div key={date} class="customer-period">
            <span>{date}</span>
            <button
              type="button"
              class="icon-button"
              aria-label={t('customers.removeHoliday', { date })}
              onClick={() => onHours({ ...hours, holidays: hours.holidays.filter((d) => d !== date) })}
            >
              <Icon name="x" size={18} />
            </button>
          </div>
        ))}
        <div class="customer-period">
          <input
            type="date"
            class="input"
            aria-label={t('customers.holidays')}
            value={holiday}
            onInput={(event) => setHoliday(event.currentTarget.value)}
          />
          <Button
            isSmall
            icon="plus"
            disabled={!holiday || hours.holidays.includes(holiday)}
            onClick={() => {
              onHours({ ...hours, holidays: [...hours.holidays, holiday].sort() })
              setHoliday('')
            }}
          >
            {t('customers.addHoliday')}
          </Button>
        </div>
      </div>
    </>
  )
}

function LinkSection() {
  const [source, setSource] = useState('counter')
  const [link, setLink] = useState<{ url: string | null } | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    const wanted = source.trim() || 'counter'
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(wanted)) return
    const timer = setTimeout(() => {
      customersApi.link(wanted).then(
        (found) => {
          setLink(found)
          setError(null)
        },
        (caught: unknown) => setError(errorMessage(caught)),
      )
    }, 250)
    return () => clearTimeout(timer)
  }, [source])
  return (
    <Section title={t('customers.linkSection')} class="customer-link-card">
      <div class="customer-print-hide">
        <Field label={t('customers.linkSource')} value={source} onValue={setSource} pattern="[A-Za-z0-9_-]{1,64}" />
      </div>
      <FormError message={error} />
      {link && !link.url ? <p class="muted">{t('customers.noBot')}</p> : null}
      {link?.url ? (
        <div class="customer-link">
          <QrCode text={link.url} alt={t('customers.linkQr')} />
          <CopyField label={t('customers.linkSection')} value={link.url} />
          <div class="customer-print-hide">
            <Button icon="download" onClick={() => window.print()}>
              {t('customers.print')}
            </Button>
          </div>
        </div>
      ) : null}
    </Section>
  )
}
