/**
 * Drafts written back to Xero through the real app and a loopback Xero that keeps
 * idempotency keys like Xero: a preview first (from words, the invoice form, a bill with its
 * photo), nothing in Xero until Confirm, then exactly one DRAFT however often Confirm is
 * pressed — twice in a row, twice at once, or again after Xero's answer was lost. Only
 * members with xero.write may draft, and only while the owner has writes on and the
 * connection may write invoices.
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { billText, parseBillText, parseInvoiceText } from '../../server/xero/drafts'
import { bodyOf } from '../helpers/app'
import { as, historyOf, tinyPng, upload } from '../helpers/chat'
import { READ_SCOPES, staffWith, startBooksApp, xeroAudit, xeroSettings, type BooksApp } from './fake-books'

interface Card {
  id: number
  question: string
  body: {
    topic: string
    title: string
    subtitle: string
    figures: { label: string; value: string }[]
    table: { columns: string[]; rows: string[][] } | null
    choices: { label: string; question: string }[]
    note: string
    xeroUrl: string | null
  }
  draft: { kind: string; state: string; xeroId: string | null; xeroUrl: string | null; error: string | null } | null
}

async function setup(t: Test, options: { scopes?: string } = {}) {
  const s = await startBooksApp(t, options)
  await xeroSettings(s, { writes: true })
  const writer = await staffWith(s, 'wendy', ['xero.read', 'xero.write'])
  const reader = await staffWith(s, 'rita', ['xero.read'])
  return { ...s, writer, reader }
}

type Setup = Awaited<ReturnType<typeof setup>>

function card(response: { statusCode: number; body: string }): Card {
  if (response.statusCode !== 200) throw new Error(`expected 200, got ${response.statusCode} ${response.body}`)
  return bodyOf<{ card: Card }>(response as never).card
}

const invoiceForm = {
  contact: 'Acme Trading',
  lines: [
    { itemCode: 'widget', quantity: 2, unitAmount: 15 },
    { description: 'Fitting', quantity: 1.5, unitAmount: 40 },
  ],
  reference: 'PO-7',
}

function draftKey(s: BooksApp, cardId: number): string {
  const row = s.started.ctx.sqlite.prepare('select draft_key from xero_card where id = ?').get(cardId) as {
    draft_key: string
  }
  return row.draft_key
}

async function ownConversation(s: Setup): Promise<MessageView[]> {
  const own = bodyOf<{ conversationId: number }>(await as(s.started.app, s.writer, 'GET', '/api/xero/conversation'))
  return historyOf(s.started.app, s.writer, own.conversationId)
}

t.test('which words are a draft, and what they say', async (t) => {
  t.same(parseInvoiceText('invoice Acme 2 x Widget at 15'), {
    contact: 'Acme',
    lines: [{ words: 'Widget', quantity: 2, unitAmount: 15 }],
  })
  t.same(
    parseInvoiceText('Invoice for Acme Ltd: 2 widget @ 15, 1 x Bolt at 2.50 and 3 hours labour at £1,240.50 ref PO-7'),
    {
      contact: 'Acme Ltd',
      lines: [
        { words: 'widget', quantity: 2, unitAmount: 15 },
        { words: 'Bolt', quantity: 1, unitAmount: 2.5 },
        { words: 'hours labour', quantity: 3, unitAmount: 1240.5 },
      ],
      reference: 'PO-7',
    },
  )
  t.same(parseInvoiceText('invoice 3M 2x tape @2,50')?.contact, '3M', 'digits in a name')
  t.same(parseInvoiceText('invoice 3M 2x tape @2,50')?.lines, [{ words: 'tape', quantity: 2, unitAmount: 2.5 }])
  t.same(parseInvoiceText('invoice Acme 2 xylophones at 5')?.lines[0]?.words, 'xylophones')
  for (const question of [
    'invoice INV-0042',
    'invoices for Acme',
    'invoice Acme',
    'who owes us',
    'invoice Acme 2 x widget',
  ]) {
    t.equal(parseInvoiceText(question), null, `“${question}” is a question`)
  }
  const bill = { supplier: 'Unit 4 Supplies', amount: 9.99, date: '2026-12-02', reference: 'R 1', fileId: 12 }
  t.same(parseBillText(billText(bill)), bill, 'a bill’s words read back as the bill')
  t.equal(parseBillText('bills'), null)
  t.equal(parseBillText('bill Acme 40'), null, 'a bill in words needs its photo')
})

t.test('an invoice in words is a preview card, and nothing reaches Xero', async (t) => {
  const s = await setup(t)
  const preview = card(
    await as(s.started.app, s.writer, 'POST', '/api/xero/ask', {
      text: 'invoice for Acme Trading: 2 widget @ 15, 1 x Bolt 10 mm at 2.50 ref PO-7',
    }),
  )
  t.same(preview.draft, { kind: 'invoice', state: 'preview', xeroId: null, xeroUrl: null, error: null })
  t.equal(preview.body.topic, 'draft')
  t.equal(preview.body.title, 'Draft invoice for Acme Trading')
  t.match(preview.body.subtitle, /Ref PO-7/)
  t.same(
    preview.body.table?.rows,
    [
      ['WIDGET · Blue widget', '2', '£15.00', '£30.00'],
      ['BOLT-10 · Bolt 10 mm', '1', '£2.50', '£2.50'],
    ],
    'both lines found their items, by code and by name',
  )
  t.same(preview.body.figures, [{ label: 'Total before tax', value: '£32.50', tone: null }])
  t.match(preview.body.note, /^Draft — nothing is in Xero until you confirm\./)
  t.same(s.books.writes, [], 'a preview writes nothing to Xero')

  const history = await ownConversation(s)
  t.same(
    history.map((m) => m.kind),
    ['text', 'card'],
    'the words, then the preview, in the asker’s Xero conversation',
  )
  t.equal(history[1]?.card?.draft?.state, 'preview')

  // The short form works too, and a plain question is still a question.
  const short = card(
    await as(s.started.app, s.writer, 'POST', '/api/xero/ask', { text: 'invoice Acme Trading 2 x Widget at 15' }),
  )
  t.equal(short.draft?.kind, 'invoice')
  t.same(short.body.figures[0]?.value, '£30.00')
  const question = card(
    await as(s.started.app, s.writer, 'POST', '/api/xero/ask', { text: 'invoices for Acme Trading' }),
  )
  t.equal(question.draft, null, '“invoices for …” asks, it does not draft')
})

t.test('Confirm creates one DRAFT under the card’s key; a second Confirm returns the same card', async (t) => {
  const s = await setup(t)
  const preview = card(await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/invoice', invoiceForm))
  t.same(
    preview.body.table?.rows.map((row) => row[0]),
    ['WIDGET · Blue widget', 'Fitting'],
    'the form’s item code and description',
  )
  t.equal(preview.body.figures[0]?.value, '£90.00')
  t.same(s.books.writes, [])

  const confirmed = card(await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`))
  t.equal(confirmed.draft?.state, 'created')
  t.ok(confirmed.draft?.xeroId)
  t.equal(
    confirmed.draft?.xeroUrl,
    `https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=${confirmed.draft?.xeroId}`,
  )
  t.equal(confirmed.body.xeroUrl, confirmed.draft?.xeroUrl, 'the card links to the draft')
  t.match(confirmed.body.note, /Draft invoice INV-\d+ created in Xero/)

  const [create] = s.books.creates()
  t.equal(create?.method, 'PUT')
  t.equal(create?.key, draftKey(s, preview.id), 'sent under the card’s idempotency key')
  t.match(create?.contentType, /^application\/json/)
  const sent = JSON.parse(create!.body.toString()) as { Invoices: Record<string, unknown>[] }
  t.match(sent.Invoices[0], {
    Type: 'ACCREC',
    Status: 'DRAFT',
    Contact: { ContactID: 'c-acme-trading' },
    Reference: 'PO-7',
    LineItems: [
      { ItemCode: 'WIDGET', Quantity: 2, UnitAmount: 15 },
      { Description: 'Fitting', Quantity: 1.5, UnitAmount: 40 },
    ],
  })

  const again = card(await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`))
  t.same(again, confirmed, 'the same card again')
  t.equal(s.books.creates().length, 1, 'and no second call to Xero')
  t.equal(s.books.drafts().length, 1, 'one draft in Xero')

  const history = await ownConversation(s)
  const message = history.find((m) => m.card?.cardId === preview.id)
  t.equal(message?.card?.draft?.state, 'created', 'the preview in the conversation now says the draft is created')
  t.match(message?.card?.body.note, /created in Xero/)

  const audit = await xeroAudit(s)
  const created = audit.filter((entry) => entry.action === 'xero.draft_created')
  t.equal(created.length, 1, 'audited once')
  t.same(created[0]?.detail, { cardId: preview.id, kind: 'invoice' }, 'who and which card, not the amounts')
  t.ok(audit.some((entry) => entry.action === 'xero.draft_previewed'))
})

t.test('two Confirms at once call Xero once', async (t) => {
  const s = await setup(t)
  const preview = card(await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/invoice', invoiceForm))
  s.books.delayMs = 150
  const [first, second] = await Promise.all([
    as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`),
    as(s.started.app, s.owner, 'POST', `/api/xero/cards/${preview.id}/confirm`),
  ])
  t.equal(card(first).draft?.state, 'created')
  t.same(card(second).draft, card(first).draft, 'both see the one draft')
  t.equal(s.books.creates().length, 1, 'one call to Xero')
  t.equal(s.books.drafts().length, 1)
})

t.test('after a lost answer the card says so, and Confirm again sends the same key: still one draft', async (t) => {
  const s = await setup(t)
  const preview = card(await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/invoice', invoiceForm))
  s.books.loseNextAnswer()
  const lost = await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`)
  t.equal(lost.statusCode, 503)
  t.equal(bodyOf<{ code: string }>(lost).code, 'xero_unavailable')
  const failed = bodyOf<Card>(await as(s.started.app, s.writer, 'GET', `/api/xero/cards/${preview.id}`))
  t.equal(failed.draft?.state, 'failed')
  t.match(failed.draft?.error, /Xero is not answering/)
  t.equal(s.books.drafts().length, 1, 'Xero made the draft though the answer was lost')

  const retried = card(await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`))
  t.equal(retried.draft?.state, 'created')
  t.equal(retried.draft?.error, null)
  const creates = s.books.creates()
  t.equal(creates.length, 2, 'the retry went to Xero')
  t.same(
    creates.map((c) => c.key),
    [draftKey(s, preview.id), draftKey(s, preview.id)],
    'both under the card’s key',
  )
  t.equal(s.books.drafts().length, 1, 'and Xero answered the first draft instead of making a second')
  t.equal(retried.draft?.xeroId, s.books.drafts()[0]?.InvoiceID)
})

t.test('a bill from a photo: the preview names the supplier, Confirm attaches the photo in Xero', async (t) => {
  const s = await setup(t)
  const photo = tinyPng(4, 3)
  const file = await upload(s.started.app, s.writer, photo, 'receipt.png', 'image/png')
  const preview = card(
    await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/bill', {
      supplier: 'paper supplies',
      amount: 42.5,
      date: '2026-11-28',
      reference: 'R-881',
      fileId: file.id,
    }),
  )
  t.same(preview.draft, { kind: 'bill', state: 'preview', xeroId: null, xeroUrl: null, error: null })
  t.equal(preview.body.title, 'Draft bill from Paper Supplies Ltd')
  t.same(preview.body.figures, [{ label: 'Amount with tax', value: '£42.50', tone: null }])
  t.match(preview.body.subtitle, /28 Nov 2026 · Ref R-881/)
  t.same(s.books.writes, [])

  const confirmed = card(await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`))
  t.equal(confirmed.draft?.state, 'created')
  t.equal(confirmed.draft?.error, null)
  t.match(confirmed.draft?.xeroUrl, /^https:\/\/go\.xero\.com\/AccountsPayable\/View\.aspx\?InvoiceID=/)
  const sent = JSON.parse(s.books.creates()[0]!.body.toString()) as { Invoices: Record<string, unknown>[] }
  t.match(sent.Invoices[0], {
    Type: 'ACCPAY',
    Status: 'DRAFT',
    Contact: { ContactID: 'c-paper' },
    Date: '2026-11-28',
    InvoiceNumber: 'R-881',
    LineAmountTypes: 'Inclusive',
    LineItems: [{ Quantity: 1, UnitAmount: 42.5 }],
  })
  const [attachment] = s.books.attachments()
  t.equal(attachment?.path, `Invoices/${confirmed.draft?.xeroId}/Attachments/receipt.png`)
  t.equal(attachment?.contentType, 'image/png')
  t.ok(attachment?.body.equals(photo), 'the photo’s own bytes')
  t.ok(attachment?.key, 'under an idempotency key too')

  // Somebody else's photo cannot be attached.
  const other = await upload(s.started.app, s.owner, tinyPng(2, 2), 'owner.png', 'image/png')
  const refused = await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/bill', {
    supplier: 'Paper Supplies Ltd',
    amount: 10,
    fileId: other.id,
  })
  t.equal(refused.statusCode, 404)
  t.equal(bodyOf<{ code: string }>(refused).code, 'file_not_found')
  const badDate = await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/bill', {
    supplier: 'Paper Supplies Ltd',
    amount: 10,
    date: '2026-02-30',
    fileId: file.id,
  })
  t.equal(bodyOf<{ code: string }>(badDate).code, 'draft_invalid_date')
})

t.test('a photo Xero would not take leaves the draft created, and Confirm again attaches it', async (t) => {
  const s = await setup(t)
  const file = await upload(s.started.app, s.writer, tinyPng(3, 3), 'till.png', 'image/png')
  const preview = card(
    await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/bill', {
      supplier: 'Paper',
      amount: 9.99,
      fileId: file.id,
    }),
  )
  s.books.refuseAttachments = true
  const first = card(await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`))
  t.equal(first.draft?.state, 'created', 'the bill is in Xero')
  t.match(first.draft?.error, /The photo could not be attached/)
  t.match(first.body.note, /Confirm again to retry/)

  s.books.refuseAttachments = false
  const second = card(await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`))
  t.equal(second.draft?.state, 'created')
  t.equal(second.draft?.error, null)
  t.equal(second.draft?.xeroId, first.draft?.xeroId)
  t.equal(s.books.creates().length, 1, 'the bill was not sent again')
  t.equal(s.books.attachments().length, 2, 'the photo was')
  t.equal(
    (await xeroAudit(s)).filter((entry) => entry.action === 'xero.draft_created').length,
    1,
    'one draft, audited once',
  )
})

t.test('a name that fits several contacts gives a pick-list whose choices draft for the one picked', async (t) => {
  const s = await setup(t)
  const choices = card(
    await as(s.started.app, s.writer, 'POST', '/api/xero/ask', { text: 'invoice acme 3 x widget at 15' }),
  )
  t.equal(choices.draft, null, 'no draft until the contact is known')
  t.same(
    choices.body.choices.map((c) => c.label),
    ['Acme Trading', 'Acme Hire'],
  )
  const picked = card(
    await as(s.started.app, s.writer, 'POST', '/api/xero/ask', { text: choices.body.choices[1]!.question }),
  )
  t.equal(picked.draft?.state, 'preview')
  t.equal(picked.body.title, 'Draft invoice for Acme Hire')
  t.equal(picked.body.figures[0]?.value, '£45.00', 'the lines came along')

  const none = await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/invoice', {
    ...invoiceForm,
    contact: 'Zebra',
  })
  t.equal(none.statusCode, 400)
  t.equal(bodyOf<{ code: string }>(none).code, 'xero_no_contact')
  const noItem = await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/invoice', {
    contact: 'Acme Trading',
    lines: [{ itemCode: 'NOPE', quantity: 1, unitAmount: 1 }],
  })
  t.equal(bodyOf<{ code: string }>(noItem).code, 'xero_no_item')
})

t.test('only members with xero.write draft or confirm, and only while writes are on', async (t) => {
  const s = await setup(t)
  const preview = card(await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/invoice', invoiceForm))

  const reader = await as(s.started.app, s.reader, 'POST', '/api/xero/drafts/invoice', invoiceForm)
  t.equal(reader.statusCode, 403)
  t.equal(bodyOf<{ code: string }>(reader).code, 'xero_forbidden')
  const readerWords = await as(s.started.app, s.reader, 'POST', '/api/xero/ask', {
    text: 'invoice Acme Trading 1 x widget at 15',
  })
  t.equal(bodyOf<{ code: string }>(readerWords).code, 'xero_forbidden', 'nor in words')
  const readerConfirm = await as(s.started.app, s.reader, 'POST', `/api/xero/cards/${preview.id}/confirm`)
  t.equal(readerConfirm.statusCode, 403)
  const outsider = await staffWith(s, 'otto', [])
  t.equal((await as(s.started.app, outsider, 'POST', `/api/xero/cards/${preview.id}/confirm`)).statusCode, 403)
  const denied = (await xeroAudit(s)).filter((entry) => entry.action === 'xero.denied')
  t.ok(denied.length >= 3, 'refusals are audited')

  await xeroSettings(s, { writes: false })
  const off = await as(s.started.app, s.writer, 'POST', `/api/xero/cards/${preview.id}/confirm`)
  t.equal(off.statusCode, 409)
  t.equal(bodyOf<{ code: string }>(off).code, 'xero_writes_off')
  t.match(bodyOf<{ message: string }>(off).message, /turned off/)
  t.same(s.books.writes, [], 'nothing reached Xero')

  const asked = await as(s.started.app, s.reader, 'POST', `/api/xero/cards/${preview.id}/refresh`)
  t.equal(bodyOf<{ code: string }>(asked).code, 'draft_not_refreshable', 'a draft is not refreshed')
})

t.test('a connection without the invoices scope cannot draft', async (t) => {
  const s = await setup(t, { scopes: READ_SCOPES })
  const response = await as(s.started.app, s.writer, 'POST', '/api/xero/drafts/invoice', invoiceForm)
  t.equal(response.statusCode, 409)
  t.equal(bodyOf<{ code: string }>(response).code, 'xero_writes_off')
  t.match(bodyOf<{ message: string }>(response).message, /without permission to write invoices/)
  const status = bodyOf<{ canWrite: boolean }>(await as(s.started.app, s.writer, 'GET', '/api/xero/status'))
  t.equal(status.canWrite, false)
})
