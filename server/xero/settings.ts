/** What the owner decides about Xero beyond the connection: alerts, the digest, customers' balance, writes. */
import type { AppContext } from '../shared/context'
import { badRequest } from '../shared/errors'
import { auditParty, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { requireReadable } from '../conversations/access'

export interface XeroSettingsView {
  /** Where paid and overdue invoices are announced; null: nowhere. */
  alertsConversationId: number | null
  /** Hour of the shop's day for the daily digest; null: no digest. */
  digestHour: number | null
  /** Customers linked to a Xero contact may ask /balance in Telegram. */
  customerBalance: boolean
  /** Members with xero.write may draft invoices and bills in Xero. */
  writes: boolean
}

export async function readXeroSettings(ctx: AppContext): Promise<XeroSettingsView> {
  const row = await ctx.db.selectFrom('xero_settings').selectAll().executeTakeFirstOrThrow()
  return {
    alertsConversationId: row.alerts_conversation_id,
    digestHour: row.digest_hour,
    customerBalance: row.customer_balance === 1,
    writes: row.writes === 1,
  }
}

export async function updateXeroSettings(
  ctx: AppContext,
  actor: Actor,
  patch: Partial<XeroSettingsView>,
): Promise<XeroSettingsView> {
  await ctx.write(async (w) => {
    if (patch.alertsConversationId !== undefined && patch.alertsConversationId !== null) {
      const conversation = await requireReadable(w.trx, actor, patch.alertsConversationId)
      if (conversation.kind !== 'channel' && conversation.kind !== 'board') {
        throw badRequest('invalid_alerts_conversation', 'Alerts go to the board or a channel.')
      }
    }
    await w.trx
      .updateTable('xero_settings')
      .set({
        ...(patch.alertsConversationId !== undefined ? { alerts_conversation_id: patch.alertsConversationId } : {}),
        ...(patch.digestHour !== undefined ? { digest_hour: patch.digestHour } : {}),
        ...(patch.customerBalance !== undefined ? { customer_balance: patch.customerBalance ? 1 : 0 } : {}),
        ...(patch.writes !== undefined ? { writes: patch.writes ? 1 : 0 } : {}),
      })
      .where('id', '=', 1)
      .execute()
    await recordAudit(w.trx, w.now, {
      action: 'xero.settings_changed',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { changed: Object.keys(patch) },
    })
  })
  return readXeroSettings(ctx)
}
