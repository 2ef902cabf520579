/** The wall's large clock and date, in the SHOP's timezone whatever the screen is set to. */
import { useEffect, useState } from 'preact/hooks'
import { isShowableTime, NO_TIME } from '../../lib/format'
import { locale } from '../../lib/i18n'

interface ClockFormats {
  time: Intl.DateTimeFormat
  date: Intl.DateTimeFormat
}

const cache = new Map<string, ClockFormats>()

/** The zone if the browser knows it, else UTC: a wall must never fail over a clock. */
export function knownZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat(locale, { timeZone })
    return timeZone
  } catch {
    return 'UTC'
  }
}

function formatters(timeZone: string): ClockFormats {
  const cached = cache.get(timeZone)
  if (cached) return cached
  const zone = knownZone(timeZone)
  const formats = {
    time: new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: zone }),
    date: new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: zone }),
  }
  // One shop, one timezone: tiny, but bounded all the same.
  if (cache.size > 8) cache.clear()
  cache.set(timeZone, formats)
  return formats
}

/** A time of day in the shop, e.g. for "Offline since 14:32". */
export function shopTimeOf(ms: number, timeZone: string): string {
  return isShowableTime(ms) ? formatters(timeZone).time.format(ms) : NO_TIME
}

/** Re-renders once a minute, on the minute: one timer at a time, never an interval that drifts. */
export function useMinute(): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>
    const schedule = () => {
      timer = setTimeout(
        () => {
          setNow(Date.now())
          schedule()
        },
        60_000 - (Date.now() % 60_000) + 50,
      )
    }
    schedule()
    return () => clearTimeout(timer)
  }, [])
  return now
}

export function WallClock({ timeZone }: { timeZone: string }) {
  const now = useMinute()
  const format = formatters(timeZone)
  return (
    <div class="wall-clock">
      <span class="wall-date">{format.date.format(now)}</span>
      <time class="wall-time" data-testid="wall-time">
        {format.time.format(now)}
      </time>
    </div>
  )
}
