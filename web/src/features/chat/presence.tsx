/**
 * Presence dots (online, idle, offline) and my shift status (on shift, off shift, away,
 * optionally for a while). In the first load because the Account page uses it too.
 */
import { useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { addDays, shopMidnight, shopToday } from '../../lib/format'
import { t } from '../../lib/i18n'
import { me } from '../../lib/session'
import { Button } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { toast } from '../../ui/toast'
import { chatApi, type Presence, type PresenceEntry, type ShiftStatus } from './chat-api'
import { presence } from './store'
import { formatWhen } from './time'
import './presence.css'

export function presenceLabel(value: Presence): string {
  return value === 'online' ? t('chat.online') : value === 'idle' ? t('chat.idle') : t('chat.offline')
}

export function shiftLabel(value: ShiftStatus): string {
  return value === 'on_shift' ? t('chat.onShift') : value === 'off_shift' ? t('chat.offShift') : t('chat.away')
}

function isStatusActive(entry: PresenceEntry | undefined, now = Date.now()): boolean {
  return (
    !!entry && entry.shiftStatus !== 'on_shift' && (entry.shiftStatusUntil === null || entry.shiftStatusUntil > now)
  )
}

/** "Online", "Idle · Off shift until 18:00" */
export function presenceText(memberId: number): string {
  const entry = presence.value.get(memberId)
  if (!entry) return ''
  const parts = [presenceLabel(entry.presence)]
  if (isStatusActive(entry)) {
    parts.push(
      entry.shiftStatusUntil
        ? t('chat.statusUntil', { status: shiftLabel(entry.shiftStatus), when: formatWhen(entry.shiftStatusUntil) })
        : shiftLabel(entry.shiftStatus),
    )
  }
  return parts.join(' · ')
}

/** A small dot on an avatar; the words are for screen readers. */
export function PresenceDot({ memberId }: { memberId: number }) {
  const entry = presence.value.get(memberId)
  const value = entry?.presence ?? 'offline'
  const isAway = isStatusActive(entry)
  return (
    <span
      class={`presence-dot presence-${value}${isAway ? ' presence-away' : ''}`}
      role="img"
      aria-label={presenceText(memberId) || presenceLabel(value)}
    />
  )
}

type Duration = 'none' | '60' | '240' | 'tomorrow'

function minutesFor(duration: Duration, now = Date.now()): number | null {
  if (duration === 'none') return null
  if (duration !== 'tomorrow') return Number(duration)
  // Until six in the morning tomorrow, shop time.
  const tomorrowMorning = (shopMidnight(addDays(shopToday(now), 1)) ?? now) + 6 * 3_600_000
  return Math.max(1, Math.round((tomorrowMorning - now) / 60_000))
}

/** My shift status as a chip; tapping it opens the chooser. */
export function ShiftStatusButton({ isLarge }: { isLarge?: boolean }) {
  const [isOpen, setOpen] = useState(false)
  const myId = me.value?.member.id
  if (!myId || me.value?.member.role === 'display') return null
  const entry = presence.value.get(myId)
  const status: ShiftStatus = isStatusActive(entry) && entry ? entry.shiftStatus : 'on_shift'
  const label = shiftLabel(status)
  return (
    <>
      <button
        type="button"
        class={`shift-chip shift-${status}${isLarge ? ' shift-chip-large' : ''}`}
        aria-label={t('chat.shiftStatusNamed', { status: label })}
        onClick={() => setOpen(true)}
      >
        <span class="shift-chip-dot" aria-hidden="true" />
        <span>{label}</span>
        {entry?.shiftStatusUntil && status !== 'on_shift' ? (
          <span class="shift-chip-until">{t('chat.untilShort', { when: formatWhen(entry.shiftStatusUntil) })}</span>
        ) : null}
      </button>
      {isOpen ? <ShiftDialog current={status} onClose={() => setOpen(false)} /> : null}
    </>
  )
}

function ShiftDialog({ current, onClose }: { current: ShiftStatus; onClose: () => void }) {
  const [status, setStatus] = useState<ShiftStatus>(current)
  const [duration, setDuration] = useState<Duration>('none')
  const [isBusy, setBusy] = useState(false)
  const save = async () => {
    setBusy(true)
    try {
      const entry = await chatApi.setStatus(status, status === 'on_shift' ? null : minutesFor(duration))
      const next = new Map(presence.value)
      next.set(entry.memberId, entry)
      presence.value = next
      toast(t('chat.statusSaved', { status: shiftLabel(status) }))
      onClose()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setBusy(false)
    }
  }
  const statuses: { value: ShiftStatus; hint: string }[] = [
    { value: 'on_shift', hint: t('chat.onShiftHint') },
    { value: 'off_shift', hint: t('chat.offShiftHint') },
    { value: 'away', hint: t('chat.awayHint') },
  ]
  const durations: { value: Duration; label: string }[] = [
    { value: 'none', label: t('chat.forNoEnd') },
    { value: '60', label: t('chat.forOneHour') },
    { value: '240', label: t('chat.forFourHours') },
    { value: 'tomorrow', label: t('chat.untilTomorrow') },
  ]
  return (
    <Dialog
      title={t('chat.shiftTitle')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" isBusy={isBusy} onClick={() => void save()}>
            {t('common.save')}
          </Button>
        </>
      }
    >
      <fieldset class="checks">
        <legend class="visually-hidden">{t('chat.shiftTitle')}</legend>
        {statuses.map((option) => (
          <label key={option.value} class="radio-row">
            <input
              type="radio"
              name="shift-status"
              value={option.value}
              checked={status === option.value}
              onChange={() => setStatus(option.value)}
            />
            <span class={`shift-swatch shift-${option.value}`} aria-hidden="true" />
            <span class="radio-text">
              <span class="radio-label">{shiftLabel(option.value)}</span>
              <span class="radio-hint">{option.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {status !== 'on_shift' ? (
        <fieldset class="checks">
          <legend class="field-label">{t('chat.forHowLong')}</legend>
          <div class="chips chips-wrap">
            {durations.map((option) => (
              <label key={option.value} class={duration === option.value ? 'chip chip-on' : 'chip'}>
                <input
                  type="radio"
                  class="visually-hidden"
                  name="shift-duration"
                  value={option.value}
                  checked={duration === option.value}
                  onChange={() => setDuration(option.value)}
                />
                {option.label}
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}
    </Dialog>
  )
}
