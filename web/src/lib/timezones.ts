/** Timezone choices from the browser's own list, with the given current value kept in. */
export function timezoneOptions(current: string): { value: string; label: string }[] {
  let zones: string[] = []
  try {
    zones = Intl.supportedValuesOf('timeZone')
  } catch {
    zones = []
  }
  const all = new Set(['UTC', ...zones])
  if (current) all.add(current)
  return [...all].sort().map((zone) => ({ value: zone, label: zone.replace(/_/g, ' ') }))
}

export function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}
