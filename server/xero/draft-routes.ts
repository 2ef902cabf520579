import { Type } from 'typebox'
import { actorOf } from '../auth/access'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, IdParams, Nullable, withErrors } from '../shared/schemas'
import type { XeroAssistant } from './assistant'
import { XeroCardSchema } from './card-routes'
import type { XeroConnection } from './connection'
import { XeroDrafts } from './drafts'
import { linkCustomerContact, searchContacts } from './balance'

const tags = ['xero']
const CardAnswer = Type.Object({ card: XeroCardSchema })
const Refusals = {
  400: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  429: Type.Ref('Error'),
  502: Type.Ref('Error'),
  503: Type.Ref('Error'),
}
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' })
const Reference = Type.Optional(Type.String({ maxLength: 255 }))
const ContactRef = Type.Object({ id: Type.String(), name: Type.String() })

/**
 * Drafts written back to Xero (preview, then Confirm) and linking a customer to a Xero
 * contact. The drafts service becomes the assistant's draft plugin, which words asked
 * anywhere and Telegram's Confirm go through too.
 */
export function registerXeroDraftRoutes(
  app: App,
  ctx: AppContext,
  assistant: XeroAssistant,
  connection: XeroConnection,
): void {
  const drafts = new XeroDrafts(ctx, assistant, connection)
  assistant.drafts = drafts

  app.post(
    '/api/xero/drafts/invoice',
    {
      schema: {
        tags,
        summary: 'Preview a draft invoice; nothing reaches Xero until the card is confirmed',
        body: Body({
          contact: Text(255),
          lines: Type.Array(
            Type.Object(
              {
                description: Type.Optional(Type.String({ maxLength: 4000 })),
                itemCode: Type.Optional(Type.String({ maxLength: 30 })),
                quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
                unitAmount: Type.Number({ minimum: -1_000_000_000, maximum: 1_000_000_000 }),
              },
              { additionalProperties: false },
            ),
            { minItems: 1, maxItems: 50 },
          ),
          reference: Reference,
        }),
        response: withErrors({ 200: CardAnswer, ...Refusals }),
      },
    },
    async (request) => ({ card: await drafts.previewInvoice(actorOf(request), request.body) }),
  )

  app.post(
    '/api/xero/drafts/bill',
    {
      schema: {
        tags,
        summary: 'Preview a draft bill from a photo or PDF; the file is attached in Xero on Confirm',
        body: Body({
          supplier: Text(255),
          amount: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000_000 }),
          date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
          reference: Reference,
          fileId: Type.Integer({ minimum: 1 }),
        }),
        response: withErrors({ 200: CardAnswer, ...Refusals }),
      },
    },
    async (request) => ({ card: await drafts.previewBill(actorOf(request), request.body) }),
  )

  app.post(
    '/api/xero/cards/:id/confirm',
    {
      schema: {
        tags,
        summary: 'Create the card’s draft in Xero (always a draft); a second Confirm returns the same card',
        params: IdParams,
        response: withErrors({ 200: CardAnswer, ...Refusals }),
      },
    },
    async (request) => ({ card: await drafts.confirm(actorOf(request), request.params.id) }),
  )

  app.get(
    '/api/xero/contacts',
    {
      schema: {
        tags,
        summary: 'Xero contacts whose name matches, to link a customer to one',
        querystring: Type.Object({ q: Text(100) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ contacts: Type.Array(ContactRef) }), ...Refusals }),
      },
    },
    async (request) => ({ contacts: await searchContacts(assistant, actorOf(request), request.query.q) }),
  )

  app.put(
    '/api/customers/:id/xero-contact',
    {
      schema: {
        tags: ['xero', 'customers'],
        summary: 'Link a customer to a Xero contact (for their /balance), or unlink with null',
        description:
          'Needs customers.answer, and settings.manage or xero.read. Answers the customer view with its `xeroContact`.',
        params: IdParams,
        body: Body({
          contactId: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
          contactName: Type.Optional(Type.String({ maxLength: 255 })),
        }),
        response: withErrors({
          200: Type.Object(
            { conversationId: Type.Integer(), xeroContact: Nullable(ContactRef) },
            { additionalProperties: true },
          ),
          ...Refusals,
        }),
      },
    },
    async (request) =>
      linkCustomerContact(
        ctx,
        assistant,
        actorOf(request),
        request.params.id,
        request.body.contactId,
        request.body.contactName,
      ),
  )
}
