import type { Kysely } from 'kysely'
import type { DB, FileKind } from '../db/schema'

export function selectFile(db: Kysely<DB>, id: number) {
  return db.selectFrom('file').selectAll().where('id', '=', id).executeTakeFirst()
}

export function insertFile(
  db: Kysely<DB>,
  row: {
    sha256: string
    size: number
    mime: string
    kind: FileKind
    name: string
    width: number | null
    height: number | null
    uploaded_by: number | null
    created_at: number
  },
) {
  return db.insertInto('file').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function setThumbnail(db: Kysely<DB>, fileId: number, thumbnailId: number): Promise<void> {
  await db.updateTable('file').set({ thumbnail_id: thumbnailId }).where('id', '=', fileId).execute()
}

export async function addUploadBytes(db: Kysely<DB>, memberId: number, bytes: number): Promise<void> {
  await db
    .updateTable('member')
    .set((eb) => ({ upload_bytes: eb('upload_bytes', '+', bytes) }))
    .where('id', '=', memberId)
    .execute()
}

/**
 * Whether a member may read a file: they uploaded it, or it (or the file it is the
 * thumbnail of) is attached to a live message in a conversation they belong to.
 */
export async function isFileVisibleTo(db: Kysely<DB>, fileId: number, memberId: number): Promise<boolean> {
  const row = await db
    .selectFrom('file as f')
    .select('f.id')
    .where('f.id', '=', fileId)
    .where((eb) =>
      eb.or([
        eb('f.uploaded_by', '=', memberId),
        // Images shown on an info page are for everyone in the shop (a wall display: wall pages only).
        eb.exists(
          eb
            .selectFrom('page_file as pf')
            .innerJoin('page as p', 'p.id', 'pf.page_id')
            .innerJoin('member as viewer', (join) => join.on('viewer.id', '=', memberId))
            .select('pf.file_id')
            .whereRef('pf.file_id', '=', 'f.id')
            .where('p.deleted_at', 'is', null)
            .where((w) => w.or([w('viewer.role', '!=', 'display'), w('p.show_on_wall', '=', 1)])),
        ),
        eb.exists(
          eb
            .selectFrom('attachment as a')
            .innerJoin('message as m', 'm.id', 'a.message_id')
            .innerJoin('conversation_member as cm', 'cm.conversation_id', 'm.conversation_id')
            .select('a.id')
            .where('cm.member_id', '=', memberId)
            .where('m.deleted_at', 'is', null)
            .where((w) =>
              w.or([
                w('a.file_id', '=', fileId),
                w(
                  'a.file_id',
                  'in',
                  w.selectFrom('file as parent').select('parent.id').where('parent.thumbnail_id', '=', fileId),
                ),
              ]),
            ),
        ),
      ]),
    )
    .executeTakeFirst()
  return row !== undefined
}

/** Files older than `before` that no message, page, photo or kept file's thumbnail uses. */
export function selectOrphans(db: Kysely<DB>, before: number) {
  return db
    .selectFrom('file as f')
    .select(['f.id', 'f.sha256', 'f.size', 'f.uploaded_by'])
    .where('f.created_at', '<', before)
    .where((eb) =>
      eb.and([
        eb.not(eb.exists(eb.selectFrom('attachment as a').select('a.id').whereRef('a.file_id', '=', 'f.id'))),
        eb.not(eb.exists(eb.selectFrom('page_file as pf').select('pf.file_id').whereRef('pf.file_id', '=', 'f.id'))),
        eb.not(eb.exists(eb.selectFrom('member as m').select('m.id').whereRef('m.avatar_file_id', '=', 'f.id'))),
        // A bill's photo waits for its draft to be created in Xero.
        eb.not(
          eb.exists(
            eb
              .selectFrom('xero_card as xc')
              .select('xc.id')
              .whereRef('xc.draft_file_id', '=', 'f.id')
              .where('xc.draft_state', '!=', 'created'),
          ),
        ),
        eb.not(
          eb.exists(
            eb
              .selectFrom('file as parent')
              .select('parent.id')
              .whereRef('parent.thumbnail_id', '=', 'f.id')
              .where((w) =>
                w.or([
                  w.exists(w.selectFrom('attachment as a2').select('a2.id').whereRef('a2.file_id', '=', 'parent.id')),
                  w.exists(
                    w.selectFrom('page_file as pf2').select('pf2.file_id').whereRef('pf2.file_id', '=', 'parent.id'),
                  ),
                ]),
              ),
          ),
        ),
      ]),
    )
    .limit(1000)
    .execute()
}
