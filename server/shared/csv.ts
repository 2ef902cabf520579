/** One CSV cell, safe to open in a spreadsheet. */
export function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value)
  // A leading = + - @ would be run as a formula by spreadsheet programs (numbers are numbers).
  const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}
