/**
 * "42.50", "£42.50", "42,50", "1,240" or "1,240.50": a number, or null. A comma before
 * exactly three digits groups thousands; any other comma is a decimal comma.
 */
export function parseAmount(text: string): number | null {
  const compact = text.replace(/\s/g, '').replace(/^[£$€]/, '')
  if (compact === '') return null
  const isGrouped = compact.includes('.') || /,\d{3}$/.test(compact)
  const normal = isGrouped ? compact.replace(/,/g, '') : compact.replace(',', '.')
  const value = Number(normal)
  return Number.isFinite(value) ? value : null
}
