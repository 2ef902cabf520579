/**
 * The one message catalogue. Every string the UI shows goes through t(): `{name}` is
 * replaced from params; tn() picks `key_one` / `key_other` by the count's plural rule.
 */
import { en } from './messages/en'
import type { enAudit } from './messages/en-audit'
import type { enCustomers } from './messages/en-customers'
import type { enXero } from './messages/en-xero'
import type { enXeroCards } from './messages/en-xero-cards'

/** Every message, including those a lazily loaded part adds with addMessages(). */
export type Catalogue = typeof en & typeof enCustomers & typeof enXero & typeof enXeroCards & typeof enAudit
export type MessageKey = keyof Catalogue
export type PluralKey = { [K in MessageKey]: K extends `${infer Base}_other` ? Base : never }[MessageKey]
export type Params = Record<string, string | number>

const catalogue: Partial<Record<MessageKey, string>> = { ...en }

/** Adds the messages of a part loaded on demand (customers), before it renders anything. */
export function addMessages(messages: Partial<Record<MessageKey, string>>): void {
  Object.assign(catalogue, messages)
}

/** The language of the UI, with the browser's region for dates and numbers when it matches. */
export const locale: string = (() => {
  const preferred = typeof navigator === 'undefined' ? 'en' : (navigator.languages?.[0] ?? navigator.language ?? 'en')
  return preferred.toLowerCase().startsWith('en') ? preferred : 'en'
})()

const pluralRules = new Intl.PluralRules(locale)

function fill(text: string, params?: Params): string {
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match))
}

export function t(key: MessageKey, params?: Params): string {
  return fill(catalogue[key] ?? key, params)
}

export function tn(key: PluralKey, count: number, params?: Params): string {
  const form = pluralRules.select(count) === 'one' ? 'one' : 'other'
  const full = `${key}_${form}` as MessageKey
  return fill(catalogue[full] ?? catalogue[`${key}_other` as MessageKey] ?? key, { count, ...params })
}

/** Whether the catalogue has a key, for messages chosen from server data (audit actions). */
export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(catalogue, key)
}
