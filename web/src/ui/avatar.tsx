/** Initials on a colour picked from the name, so people are told apart at a glance. */
const HUES = [12, 38, 95, 150, 190, 215, 260, 300, 335]

export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const first = words[0]?.[0] ?? '?'
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : ''
  return (first + last).toUpperCase()
}

interface AvatarProps {
  name: string
  size?: 'small' | 'medium' | 'large'
  /** Grey, for someone who is not a member (a guest from a Telegram group). */
  isNeutral?: boolean
}

export function Avatar({ name, size = 'medium', isNeutral }: AvatarProps) {
  let hash = 0
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  const hue = HUES[hash % HUES.length] ?? 190
  const tone = isNeutral ? 'avatar-neutral' : `avatar-hue-${hue}`
  return (
    <span class={`avatar avatar-${size} ${tone}`} aria-hidden="true">
      {initialsOf(name)}
    </span>
  )
}
