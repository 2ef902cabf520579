import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'

export function selectNotices(db: Kysely<DB>, messageIds: readonly number[]) {
  if (messageIds.length === 0) return Promise.resolve([])
  return db.selectFrom('notice').selectAll().where('message_id', 'in', messageIds).execute()
}

/** Members expected to acknowledge: active people on the board (not wall displays). */
export function selectAudience(db: Kysely<DB>) {
  return db
    .selectFrom('conversation_member as cm')
    .innerJoin('conversation as c', 'c.id', 'cm.conversation_id')
    .innerJoin('member as m', 'm.id', 'cm.member_id')
    .select(['m.id', 'm.username', 'm.display_name'])
    .where('c.kind', '=', 'board')
    .where('m.status', '=', 'active')
    .where('m.role', '!=', 'display')
    .orderBy('m.display_name')
    .execute()
}

export function selectAcks(db: Kysely<DB>, messageIds: readonly number[]) {
  if (messageIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('notice_ack as a')
    .innerJoin('member as m', 'm.id', 'a.member_id')
    .select(['a.message_id', 'a.member_id', 'a.at', 'm.status', 'm.role'])
    .where('a.message_id', 'in', messageIds)
    .execute()
}

export async function insertAck(db: Kysely<DB>, messageId: number, memberId: number, at: number): Promise<boolean> {
  const result = await db
    .insertInto('notice_ack')
    .values({ message_id: messageId, member_id: memberId, at })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
}

export function selectPinnedIds(db: Kysely<DB>, now: number) {
  return db
    .selectFrom('notice as n')
    .innerJoin('message as msg', 'msg.id', 'n.message_id')
    .select('n.message_id')
    .where('n.is_pinned', '=', 1)
    .where('msg.deleted_at', 'is', null)
    .where((eb) => eb.or([eb('n.expires_at', 'is', null), eb('n.expires_at', '>', now)]))
    .orderBy('n.is_urgent', 'desc')
    .orderBy('n.pin_order', 'desc')
    .orderBy('n.message_id', 'desc')
    .limit(100)
    .execute()
}

export function selectExpiredUnhandled(db: Kysely<DB>, now: number) {
  return db
    .selectFrom('notice')
    .select(['message_id'])
    .where('expired_handled', '=', 0)
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .execute()
}

export function selectDueReminders(db: Kysely<DB>, now: number) {
  return db
    .selectFrom('notice as n')
    .innerJoin('message as msg', 'msg.id', 'n.message_id')
    .select(['n.message_id', 'n.title', 'n.is_urgent', 'msg.author_id'])
    .where('n.must_acknowledge', '=', 1)
    .where('n.next_reminder_at', 'is not', null)
    .where('n.next_reminder_at', '<=', now)
    .where('msg.deleted_at', 'is', null)
    .where((eb) => eb.or([eb('n.expires_at', 'is', null), eb('n.expires_at', '>', now)]))
    .execute()
}
