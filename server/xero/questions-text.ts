/**
 * The words of a Xero question: what a typed text asks, and the text that asks a question
 * again. Matching forgives case, punctuation, politeness, an "@xero" prefix and small typos
 * in the keywords; names and numbers are kept exactly as typed.
 */

export type SalesPeriod = 'today' | 'week' | 'month'

/** What the text asks, parsed with forgiving matching (case, punctuation, "@xero" prefix, typos in keywords). */
export type Question =
  | { topic: 'invoice'; number: string }
  | { topic: 'invoices'; contact: string }
  | { topic: 'owed' }
  | { topic: 'bills' }
  | { topic: 'contact'; name: string }
  | { topic: 'bank' }
  | { topic: 'item'; code: string }
  | { topic: 'sales'; period: SalesPeriod }
  | { topic: 'profit'; period: 'month' }
  | { topic: 'help'; unknown: string | null }

/** The text that asks `question` again (used by refresh and by pick-list choices). */
export function questionText(question: Question): string {
  switch (question.topic) {
    case 'invoice':
      return `invoice ${question.number}`
    case 'invoices':
      return `invoices for ${question.contact}`
    case 'owed':
      return 'who owes us'
    case 'bills':
      return 'what do we owe'
    case 'contact':
      return `contact ${question.name}`
    case 'bank':
      return 'bank balances'
    case 'item':
      return `item ${question.code}`
    case 'sales':
      return question.period === 'today' ? 'sales today' : `sales this ${question.period}`
    case 'profit':
      return 'profit this month'
    case 'help':
      return question.unknown ?? 'help'
  }
}

/**
 * Keywords a typo may stand for, in order of preference when a typo is as close to two.
 * Short words such as "we", "us" and "for" must be typed exactly.
 */
const KEYWORDS = [
  'invoices',
  'invoice',
  'contact',
  'customer',
  'supplier',
  'client',
  'details',
  'overdue',
  'outstanding',
  'unpaid',
  'owing',
  'debtors',
  'receivables',
  'receivable',
  'bills',
  'bill',
  'payables',
  'payable',
  'creditors',
  'bank',
  'balances',
  'balance',
  'cash',
  'item',
  'product',
  'stock',
  'price',
  'sales',
  'sold',
  'takings',
  'revenue',
  'turnover',
  'profit',
  'help',
  'today',
  'week',
  'month',
  'paid',
  'charge',
]
const KEYWORD_SET = new Set([...KEYWORDS, 'owe', 'owes', 'owed', 'sale', 'income', 'loss'])

/** Leading words that ask politely and change nothing; longest first. */
const LEAD_FILLERS = [
  ['can', 'you', 'show', 'me'],
  ['can', 'you', 'tell', 'me'],
  ['can', 'you'],
  ['could', 'you'],
  ['would', 'you'],
  ['show', 'me'],
  ['tell', 'me'],
  ['give', 'me'],
  ['get', 'me'],
  ['look', 'up'],
  ['pull', 'up'],
  ['what', 'is'],
  ['what', 'are'],
  ["what's"],
  ['whats'],
  ['hey'],
  ['hi'],
  ['hello'],
  ['please'],
  ['pls'],
  ['show'],
  ['list'],
  ['find'],
  ['lookup'],
  ['check'],
  ['open'],
  ['get'],
  ['the'],
  ['our'],
  ['my'],
  ['latest'],
  ['last'],
  ['recent'],
  ['all'],
]
const TRAIL_FILLERS = [['last', 'time'], ['thank', 'you'], ['please'], ['pls'], ['thanks'], ['yet'], ['already']]

const NUMBERISH = /^#?[a-z]{0,8}[-/]?\d[\w/-]*$/i
/** An invoice number standing on its own: letters, a dash, digits (INV-0042). */
const INVOICE_LIKE = /^[a-z]{1,8}-\d+$/i

interface Words {
  /** Lower case, punctuation trimmed, typos of keywords corrected: what matching looks at. */
  keys: string[]
  /** As typed, punctuation at the ends trimmed: what names and numbers are taken from. */
  raw: string[]
}

/** What the text asks. Anything not understood is a `help` question carrying the text. */
export function parseQuestion(text: string): Question {
  const cleaned = text
    .replace(/^\s*[@/]xero\S*[\s,:]*/i, '')
    .replace(/\s+/g, ' ')
    .trim()
  const words = stripFillers(toWords(cleaned))
  if (words.keys.length === 0) return { topic: 'help', unknown: null }
  return askedAbout(words) ?? { topic: 'help', unknown: cleaned }
}

function askedAbout(words: Words): Question | null {
  const { keys } = words
  if (keys[0] === 'help' || keys[0] === '?') return { topic: 'help', unknown: null }
  const named = namedQuestion(words)
  if (named) return named
  const has = (...wanted: string[]) => wanted.some((word) => keys.includes(word))
  const phrase = (...sequence: string[]) => indexOf(keys, sequence) >= 0

  const numbered = words.raw.findIndex(
    (token, i) => INVOICE_LIKE.test(token) || (NUMBERISH.test(token) && ['invoice', 'inv'].includes(keys[i - 1] ?? '')),
  )
  if (numbered >= 0) return { topic: 'invoice', number: invoiceNumber(words.raw[numbered]!) }

  if (phrase('we', 'owe') || phrase('we', 'owing') || has('bills', 'bill', 'payables', 'payable', 'creditors')) {
    return { topic: 'bills' }
  }
  if (
    has('owes', 'owed', 'owing', 'overdue', 'debtors', 'receivables', 'receivable', 'unpaid', 'outstanding') ||
    (has('paid') && has('not', "hasn't", "haven't", 'hasnt', 'havent')) ||
    (keys.length === 1 && (keys[0] === 'invoices' || keys[0] === 'invoice'))
  ) {
    return { topic: 'owed' }
  }
  if (has('profit', 'loss', 'p&l', 'pnl', 'margin')) return { topic: 'profit', period: 'month' }
  if (has('sales', 'sale', 'sold', 'sell', 'takings', 'revenue', 'turnover', 'income') || phrase('did', 'we', 'take')) {
    return { topic: 'sales', period: salesPeriod(keys) }
  }
  if (has('bank', 'balances', 'balance', 'cash')) return { topic: 'bank' }
  if (has('help')) return { topic: 'help', unknown: null }
  return null
}

/** Questions about one named thing: the name follows (or precedes) a few set phrases. */
function namedQuestion(words: Words): Question | null {
  const { keys } = words
  const first = keys[0]!
  const after = (start: number, skip: string[] = []) => nameFrom(words, start, skip)

  if (first === 'invoice' || first === 'inv' || first === 'bill') {
    const at = ['no', 'no.', 'number', 'num', 'nr', '#'].includes(keys[1] ?? '') ? 2 : 1
    const token = words.raw[at]
    if (token !== undefined && NUMBERISH.test(token) && /\d/.test(token) && at === keys.length - 1) {
      return { topic: 'invoice', number: invoiceNumber(token) }
    }
  }
  if (first === 'invoices' || first === 'invoice') {
    const contact = after(1, ['for', 'from', 'to', 'of', 'with'])
    if (contact) return { topic: 'invoices', contact }
  }
  if (['contact', 'customer', 'client', 'supplier', 'details'].includes(first)) {
    const name = after(1, ['details', 'for', 'of'])
    if (name) return { topic: 'contact', name }
  }
  if (['phone', 'email', 'address', 'balance', 'account'].includes(first)) {
    // "phone for Acme", "phone number of Acme", "balance for Acme"
    const link = keys[1] === 'number' ? 2 : 1
    const name = after(link + 1)
    if (name && ['for', 'of'].includes(keys[link] ?? '')) return { topic: 'contact', name }
  }
  if (first === 'who' && keys[1] === 'is') {
    const name = after(2)
    if (name) return { topic: 'contact', name }
  }
  if (['item', 'product', 'sku', 'code'].includes(first) || (['price', 'stock'].includes(first) && keys.length > 1)) {
    const code = after(1, ['for', 'of', 'level', 'levels'])
    if (code) return { topic: 'item', code }
  }
  if (first === 'how' && keys[1] === 'many') {
    // "how many WIDGET in stock", "how many WIDGET do we have"
    const end = keys.findIndex((key, i) => i > 2 && ['in', 'do', 'have', 'left'].includes(key))
    if (end > 2) return { topic: 'item', code: words.raw.slice(2, end).join(' ') }
  }
  if (first === 'has' || first === 'did') {
    // "has Acme paid", "did Acme pay"
    const verb = keys.findIndex((key, i) => i > 1 && (key === 'paid' || key === 'pay'))
    // "has INV-0042 been paid" is about the invoice, which the caller finds by its number.
    const named = words.raw.slice(1, verb)
    if (verb > 1 && !named.some((token) => INVOICE_LIKE.test(token) || /^#?\d+$/.test(token))) {
      return { topic: 'invoices', contact: named.join(' ') }
    }
  }
  const charge = indexOf(keys, ['what', 'did', 'we', 'charge'])
  if (charge === 0) {
    const contact = after(4, ['for'])
    if (contact) return { topic: 'invoices', contact }
  }
  // "Acme invoices", "Acme's invoices", "Acme details", "Acme's balance"
  const last = keys.length - 1
  const owner = words.raw[last - 1] ?? ''
  const possessive = /['\u2019]s$/i.test(owner)
  const about = keys[last]!
  if (last >= 1 && !KEYWORD_SET.has(keys[last - 1]!)) {
    const name = [...words.raw.slice(0, last - 1), owner.replace(/['\u2019]s$/i, '')].join(' ')
    if (about === 'invoices') return { topic: 'invoices', contact: name }
    if (about === 'details' || (possessive && ['balance', 'phone', 'email', 'address'].includes(about))) {
      return { topic: 'contact', name }
    }
  }
  return null
}

/**
 * The name typed from word `start` on, after optional linking words, each skipped once at
 * most so that "invoices for For Good Ltd" keeps its name; '' when none.
 */
function nameFrom(words: Words, start: number, skip: string[] = []): string {
  let at = start
  const skipped = new Set<string>()
  while (at < words.keys.length && skip.includes(words.keys[at]!) && !skipped.has(words.keys[at]!)) {
    skipped.add(words.keys[at]!)
    at += 1
  }
  return words.raw.slice(at).join(' ')
}

function invoiceNumber(token: string): string {
  return token.replace(/^#/, '')
}

function salesPeriod(keys: string[]): SalesPeriod {
  if (keys.some((key) => ['month', 'monthly', 'mtd'].includes(key))) return 'month'
  if (keys.some((key) => ['week', 'weekly', 'wtd'].includes(key))) return 'week'
  return 'today'
}

function toWords(text: string): Words {
  const keys: string[] = []
  const raw: string[] = []
  for (const token of text.split(' ')) {
    // Trailing punctuation never belongs to a name or a number; a leading # may (invoice #42).
    const trimmed = token.replace(/^["'\u201c\u2018(]+/, '').replace(/[?!.,;:"'\u201d\u2019)]+$/, '')
    if (trimmed === '') {
      if (token.includes('?') && raw.length === 0) {
        keys.push('?')
        raw.push('?')
      }
      continue
    }
    raw.push(trimmed)
    keys.push(keyOf(trimmed.toLowerCase()))
  }
  return { keys, raw }
}

function stripFillers(words: Words): Words {
  let { keys, raw } = words
  for (let changed = true; changed && keys.length > 1;) {
    changed = false
    for (const filler of LEAD_FILLERS) {
      if (filler.length < keys.length && filler.every((word, i) => keys[i] === word)) {
        keys = keys.slice(filler.length)
        raw = raw.slice(filler.length)
        changed = true
        break
      }
    }
  }
  for (let changed = true; changed && keys.length > 1;) {
    changed = false
    for (const filler of TRAIL_FILLERS) {
      const from = keys.length - filler.length
      if (from > 0 && filler.every((word, i) => keys[from + i] === word)) {
        keys = keys.slice(0, from)
        raw = raw.slice(0, from)
        changed = true
        break
      }
    }
  }
  return { keys, raw }
}

/** A word as matching sees it: a keyword it is a typo of, or itself. */
function keyOf(word: string): string {
  if (KEYWORD_SET.has(word) || word.length < 4 || !/^[a-z]+$/.test(word)) return word
  let best: string | null = null
  let bestDistance = Infinity
  for (const keyword of KEYWORDS) {
    const allowed = keyword.length >= 8 ? 2 : keyword.length >= 5 ? 1 : 0
    const distance = editDistance(word, keyword, allowed + 1)
    // Four-letter keywords forgive only two letters swapped: "bnak", never "will" for "bill".
    const fits = distance <= allowed || (keyword.length === 4 && isSwap(word, keyword))
    if (fits && distance < bestDistance) {
      best = keyword
      bestDistance = distance
    }
  }
  return best ?? word
}

function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  const differ = [...a].flatMap((char, i) => (char === b[i] ? [] : [i]))
  return (
    differ.length === 2 &&
    differ[1] === differ[0]! + 1 &&
    a[differ[0]!] === b[differ[1]!] &&
    a[differ[1]!] === b[differ[0]!]
  )
}

/** Edits (insert, delete, change, swap of neighbours) from a to b, counted up to `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)]
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, rows[i - 2]![j - 2]! + 1)
      }
      row.push(value)
    }
    rows.push(row)
  }
  return Math.min(rows[a.length]![b.length]!, cap)
}

function indexOf(keys: string[], sequence: string[]): number {
  for (let i = 0; i + sequence.length <= keys.length; i++) {
    if (sequence.every((word, j) => keys[i + j] === word)) return i
  }
  return -1
}
