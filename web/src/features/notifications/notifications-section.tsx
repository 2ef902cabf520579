/** Account → Notifications: this device on or off, what to be told about, quiet hours, devices. */
import { useEffect, useState } from 'preact/hooks'
import { request } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatRelative } from '../../lib/format'
import { t } from '../../lib/i18n'
import { currentSubscription, disablePush, enablePush, pushSupport, type PushSupport } from '../../lib/push'
import { Button } from '../../ui/button'
import { CheckField, Field, SelectField } from '../../ui/field'
import { Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import './notifications.css'

type Level = 'all' | 'mentions' | 'urgent' | 'none'

interface Preferences {
  level: Level
  quietStartMinute: number | null
  quietEndMinute: number | null
}

interface Device {
  id: number
  deviceName: string
  service: string
  createdAt: number
  lastUsedAt: number | null
  isThisDevice: boolean
}

const toTime = (minute: number | null) =>
  minute === null ? '' : `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
const toMinute = (time: string) => {
  const [hours, minutes] = time.split(':').map(Number)
  return (hours ?? 0) * 60 + (minutes ?? 0)
}

export function NotificationsSection() {
  const [support, setSupport] = useState<PushSupport>(() => pushSupport())
  const [devices, setDevices] = useState<Device[] | null>(null)
  const [preferences, setPreferences] = useState<Preferences | null>(null)
  const [hasLocalSubscription, setLocalSubscription] = useState(false)
  const [isBusy, setBusy] = useState(false)

  const load = async () => {
    const [list, prefs] = await Promise.all([
      request<Device[]>('GET', '/api/push/subscriptions'),
      request<Preferences>('GET', '/api/me/notifications'),
    ])
    setDevices(list)
    setPreferences(prefs)
    setLocalSubscription((await currentSubscription().catch(() => null)) !== null)
  }
  useEffect(() => {
    void load()
  }, [])

  const thisDevice = devices?.find((device) => device.isThisDevice) ?? null
  const isOnHere = hasLocalSubscription && thisDevice !== null

  const turnOn = async () => {
    setBusy(true)
    try {
      await enablePush()
      toast(t('push.turnedOn'))
      await load()
    } catch (error) {
      if (error instanceof Error && error.message === 'permission-denied') toast(t('push.deniedByYou'), 'error')
      else toast(t('push.failed', { reason: errorMessage(error) }), 'error')
      setSupport(pushSupport())
    } finally {
      setBusy(false)
    }
  }

  const turnOff = async () => {
    setBusy(true)
    try {
      await disablePush(thisDevice?.id ?? null)
      toast(t('push.turnedOff'))
      await load()
    } finally {
      setBusy(false)
    }
  }

  const save = async (next: Preferences) => {
    setPreferences(next)
    try {
      setPreferences(await request<Preferences>('PUT', '/api/me/notifications', next))
      toast(t('push.saved'))
    } catch (error) {
      toast(errorMessage(error), 'error')
    }
  }

  const isQuiet = preferences?.quietStartMinute !== null && preferences?.quietStartMinute !== undefined
  return (
    <Section title={t('push.title')} id="notifications" class="push-section">
      <p class="card-text muted">{t('push.explain')}</p>
      <SupportNotice support={support} />
      {support === 'ok' && (
        <div class="push-device">
          <p class="card-text">{isOnHere ? t('push.thisDeviceOn') : t('push.thisDeviceOff')}</p>
          {isOnHere ? (
            <Button icon="bell-off" isBusy={isBusy} onClick={turnOff}>
              {t('push.turnOff')}
            </Button>
          ) : (
            <Button variant="primary" icon="bell" isBusy={isBusy} onClick={turnOn}>
              {t('push.turnOn')}
            </Button>
          )}
        </div>
      )}
      {preferences && (
        <div class="push-preferences">
          <SelectField
            label={t('push.levelLabel')}
            hint={t('push.levelHint')}
            value={preferences.level}
            onValue={(level) => void save({ ...preferences, level: level as Level })}
            options={(['all', 'mentions', 'urgent', 'none'] as const).map((level) => ({
              value: level,
              label: t(`push.level.${level}`),
            }))}
          />
          <CheckField
            isSwitch
            label={t('push.quietLabel')}
            hint={t('push.quietHint')}
            checked={isQuiet}
            onChecked={(on) =>
              void save({ ...preferences, quietStartMinute: on ? 22 * 60 : null, quietEndMinute: on ? 7 * 60 : null })
            }
          />
          {isQuiet && (
            <div class="push-quiet">
              <Field
                label={t('push.quietFrom')}
                type="time"
                value={toTime(preferences.quietStartMinute)}
                onValue={(value) => value && void save({ ...preferences, quietStartMinute: toMinute(value) })}
              />
              <Field
                label={t('push.quietTo')}
                type="time"
                value={toTime(preferences.quietEndMinute)}
                onValue={(value) => value && void save({ ...preferences, quietEndMinute: toMinute(value) })}
              />
            </div>
          )}
        </div>
      )}
      <h3 class="push-devices-title">{t('push.devicesTitle')}</h3>
      {devices && devices.length === 0 && <p class="card-text muted">{t('push.noDevices')}</p>}
      <ul class="push-devices">
        {devices?.map((device) => (
          <li key={device.id} class="push-device-row">
            <div>
              <strong>{device.deviceName || device.service}</strong>
              {device.isThisDevice && <span class="badge">{t('push.thisDevice')}</span>}
              <div class="muted">
                {device.service} ·{' '}
                {device.lastUsedAt
                  ? t('push.lastUsed', { when: formatRelative(device.lastUsedAt) })
                  : t('push.neverUsed')}
              </div>
            </div>
            <Button
              isSmall
              icon="trash"
              aria-label={t('push.remove', { name: device.deviceName || device.service })}
              onClick={async () => {
                await request('DELETE', `/api/push/subscriptions/${device.id}`)
                if (device.isThisDevice) await (await currentSubscription())?.unsubscribe()
                toast(t('push.removed'))
                await load()
              }}
            />
          </li>
        ))}
      </ul>
    </Section>
  )
}

function SupportNotice({ support }: { support: PushSupport }) {
  if (support === 'insecure') {
    return (
      <div class="notice-box warning" role="note">
        <strong>{t('push.insecureTitle')}</strong>
        <p>{t('push.insecureText')}</p>
      </div>
    )
  }
  if (support === 'ios-not-installed') {
    return (
      <div class="notice-box" role="note">
        <strong>{t('push.iosTitle')}</strong>
        <ol>
          <li>{t('push.iosStep1')}</li>
          <li>{t('push.iosStep2')}</li>
          <li>{t('push.iosStep3')}</li>
        </ol>
      </div>
    )
  }
  if (support === 'unsupported') return <p class="card-text muted">{t('push.unsupported')}</p>
  if (support === 'denied') return <p class="card-text warning-text">{t('push.blocked')}</p>
  return null
}
