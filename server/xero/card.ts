/**
 * What an answer from Xero looks like once it leaves the question code: a card. The same
 * shape is the private answer in the asker's Xero conversation, the snapshot shared into a
 * channel and, rendered as text, the Telegram reply. Nothing here calls Xero.
 */

import type { CardBody } from '../shared/card-body'

export type { CardBody, CardChoice, CardFigure, CardRecord, CardTable, CardTopic } from '../shared/card-body'

const HIDDEN = '•••'

/** Email addresses. */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g
/**
 * Phone numbers and bank account numbers: a run of at least seven digits, possibly broken by
 * spaces, dashes, dots or brackets and led by a plus. Money is never that long without a
 * separator the formatter puts in (1,240.00), so amounts stay readable.
 */
const LONG_NUMBER = /\+?\(?\d(?:[\d\s().-]{5,}\d)/g

function hideText(text: string): string {
  return text.replace(EMAIL, HIDDEN).replace(LONG_NUMBER, (match) => {
    const digits = match.replace(/\D/g, '')
    return digits.length >= 7 ? HIDDEN : match
  })
}

/** Whether a text holds anything `redact` would hide. */
export function hasPersonalDetails(text: string): boolean {
  return hideText(text) !== text
}

/**
 * The card with emails, phone numbers and bank account numbers hidden: what a shared card
 * shows unless its sharer chose to include them. One rule for every surface.
 */
export function redact(body: CardBody): CardBody {
  return {
    ...body,
    title: hideText(body.title),
    subtitle: hideText(body.subtitle),
    note: hideText(body.note),
    figures: body.figures.map((figure) => ({
      ...figure,
      label: hideText(figure.label),
      value: hideText(figure.value),
    })),
    table: body.table
      ? { columns: body.table.columns, rows: body.table.rows.map((row) => row.map((cell) => hideText(cell))) }
      : null,
    records: body.records.map((record) => ({ ...record, label: hideText(record.label) })),
    choices: body.choices.map((choice) => ({ ...choice, label: hideText(choice.label) })),
  }
}

/** Whether anything in the card would be hidden by `redact`. */
export function cardHasPersonalDetails(body: CardBody): boolean {
  return JSON.stringify(redact(body)) !== JSON.stringify(body)
}

/** The card as plain text with light HTML, for Telegram (parse_mode HTML). */
export function cardAsTelegramHtml(body: CardBody, footer: string): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const lines = [`<b>${escape(body.title)}</b>`]
  if (body.subtitle) lines.push(escape(body.subtitle))
  for (const figure of body.figures) lines.push(`${escape(figure.label)}: <b>${escape(figure.value)}</b>`)
  if (body.table && body.table.rows.length > 0) {
    lines.push('')
    for (const row of body.table.rows) lines.push(escape(row.filter((cell) => cell !== '').join(' · ')))
  }
  if (body.choices.length > 0) {
    lines.push('')
    for (const choice of body.choices) lines.push(`• ${escape(choice.label)} — /xero ${escape(choice.question)}`)
  }
  if (body.note) lines.push('', `<i>${escape(body.note)}</i>`)
  if (footer) lines.push('', `<i>${escape(footer)}</i>`)
  return lines.join('\n')
}
