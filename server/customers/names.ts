/** How customers and staff are named to each other. */

/** A customer as staff see them: their Telegram name, else their @username. */
export function customerName(row: {
  first_name: string
  last_name: string
  username: string
  erased_at?: number | null
}): string {
  if (row.erased_at) return 'Erased customer'
  const name = `${row.first_name} ${row.last_name}`.trim()
  return name || (row.username ? `@${row.username}` : 'Customer')
}

/** Staff as customers see them: the first name only, never a surname. */
export function firstName(displayName: string): string {
  return displayName.trim().split(/\s+/)[0] ?? ''
}

/** The reference a customer is given: C-00042 (the conversation's number). */
export function referenceOf(customerId: number): string {
  return `C-${String(customerId).padStart(5, '0')}`
}
