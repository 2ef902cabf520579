/**
 * Info pages: the shop's small intranet (Wi-Fi password, opening hours, procedures).
 * Managers write them in Markdown; every change is kept as a revision that can be viewed
 * and restored. Pages can join the wall's rotation and appear in search.
 */
import { sql, type Kysely } from 'kysely'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { badRequest, forbidden, notFound } from '../shared/errors'
import { cleanName } from '../shared/names'
import { auditParty, can, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { DB } from '../db/schema'
import type { PersonRef } from '../realtime/events'

const MAX_BODY = 50_000

export interface PageSummary {
  id: number
  title: string
  section: string
  position: number
  showOnWall: boolean
  updatedAt: number
  updatedBy: PersonRef | null
}

export interface PageView extends PageSummary {
  body: string
  revisionCount: number
}

export interface RevisionSummary {
  id: number
  title: string
  createdAt: number
  author: PersonRef | null
  note: string
}

export interface RevisionView extends RevisionSummary {
  section: string
  body: string
}

function assertEditor(actor: Actor): void {
  if (!can(actor, 'members.manage')) throw forbidden('pages_edit_forbidden', 'Only managers can edit info pages.')
}

function assertContent(input: { title?: string | undefined; body?: string | undefined }): void {
  if (input.title !== undefined && cleanName(input.title) === '')
    throw badRequest('invalid_title', 'A page needs a title.')
  if (input.body !== undefined && input.body.length > MAX_BODY)
    throw badRequest('page_too_long', 'That page is too long.')
}

async function people(db: Kysely<DB>, ids: (number | null)[]): Promise<Map<number, PersonRef>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))]
  if (!wanted.length) return new Map()
  const rows = await db
    .selectFrom('member')
    .select(['id', 'username', 'display_name'])
    .where('id', 'in', wanted)
    .execute()
  return new Map(rows.map((r) => [r.id, { id: r.id, username: r.username, displayName: r.display_name }]))
}

function selectPages(db: Kysely<DB>) {
  return db
    .selectFrom('page')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('section')
    .orderBy('position')
    .orderBy('title')
}

export async function listPages(ctx: AppContext, actor: Actor): Promise<PageSummary[]> {
  let rows = await selectPages(ctx.db).execute()
  if (actor.member.role === 'display') rows = rows.filter((row) => row.show_on_wall === 1)
  const by = await people(
    ctx.db,
    rows.map((r) => r.updated_by),
  )
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    section: row.section,
    position: row.position,
    showOnWall: row.show_on_wall === 1,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by === null ? null : (by.get(row.updated_by) ?? null),
  }))
}

async function requirePage(db: Kysely<DB>, actor: Actor, id: number) {
  const row = await db
    .selectFrom('page')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!row || (actor.member.role === 'display' && row.show_on_wall !== 1))
    throw notFound('page_not_found', 'No such page.')
  return row
}

async function toView(db: Kysely<DB>, row: Awaited<ReturnType<typeof requirePage>>): Promise<PageView> {
  const by = await people(db, [row.updated_by])
  const count = await db
    .selectFrom('page_revision')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('page_id', '=', row.id)
    .executeTakeFirstOrThrow()
  return {
    id: row.id,
    title: row.title,
    section: row.section,
    position: row.position,
    showOnWall: row.show_on_wall === 1,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by === null ? null : (by.get(row.updated_by) ?? null),
    body: row.body,
    revisionCount: Number(count.n),
  }
}

export async function getPage(ctx: AppContext, actor: Actor, id: number): Promise<PageView> {
  return toView(ctx.db, await requirePage(ctx.db, actor, id))
}

/** Pages in the wall's rotation, with their text. */
export async function listWallPages(ctx: AppContext): Promise<PageView[]> {
  const rows = await selectPages(ctx.db).where('show_on_wall', '=', 1).execute()
  return Promise.all(rows.map((row) => toView(ctx.db, row)))
}

/** A Markdown image of a stored file, `![alt](/api/files/N)`, as the page editor writes it. */
const FILE_IMAGE = /!\[(?:\\.|[^\]\\\n])*\]\(\s*\/api\/files\/(\d+)(?:\/thumbnail)?\s*\)/g

/**
 * Links the images the page shows so every reader of the page may load them. Only images
 * count (a link or a bare mention of `/api/files/N` publishes nothing), and only pictures
 * the editor uploaded or the page already showed: an editor cannot publish someone else's
 * private file, and an edit keeps the pictures another manager added.
 */
async function linkFiles(w: WriteContext, actor: Actor, pageId: number, body: string): Promise<void> {
  const ids = [...new Set([...body.matchAll(FILE_IMAGE)].map((m) => Number(m[1])))]
  const existing = await w.trx.selectFrom('page_file').select('file_id').where('page_id', '=', pageId).execute()
  await w.trx.deleteFrom('page_file').where('page_id', '=', pageId).execute()
  if (!ids.length) return
  const linked = existing.map((f) => f.file_id)
  const allowed = await w.trx
    .selectFrom('file')
    .select('id')
    .where('id', 'in', ids)
    .where('kind', '=', 'image')
    .where((eb) => eb.or([eb('uploaded_by', '=', actor.member.id), ...(linked.length ? [eb('id', 'in', linked)] : [])]))
    .execute()
  for (const { id: fileId } of allowed) {
    await w.trx
      .insertInto('page_file')
      .values({ page_id: pageId, file_id: fileId })
      .onConflict((oc) => oc.doNothing())
      .execute()
  }
}

async function reindex(w: WriteContext, pageId: number, title: string, body: string): Promise<void> {
  await sql`delete from page_fts where rowid = ${pageId}`.execute(w.trx)
  await sql`insert into page_fts (rowid, title, body) values (${pageId}, ${title}, ${body})`.execute(w.trx)
}

export interface PageInput {
  title: string
  section?: string | undefined
  body: string
  showOnWall?: boolean | undefined
}

export async function createPage(ctx: AppContext, actor: Actor, input: PageInput): Promise<PageView> {
  assertEditor(actor)
  assertContent(input)
  return ctx.write(async (w) => {
    const last = await w.trx
      .selectFrom('page')
      .select((eb) => eb.fn.max<number>('position').as('p'))
      .executeTakeFirst()
    const row = await w.trx
      .insertInto('page')
      .values({
        title: cleanName(input.title),
        section: (input.section ?? '').trim(),
        position: Number(last?.p ?? 0) + 1,
        body: input.body,
        show_on_wall: input.showOnWall ? 1 : 0,
        created_at: w.now,
        updated_at: w.now,
        updated_by: actor.member.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await w.trx
      .insertInto('page_revision')
      .values({
        page_id: row.id,
        title: row.title,
        section: row.section,
        body: row.body,
        author_id: actor.member.id,
        created_at: w.now,
      })
      .execute()
    await linkFiles(w, actor, row.id, row.body)
    await reindex(w, row.id, row.title, row.body)
    w.emit('page.changed', { kind: 'shop' }, { pageId: row.id, title: row.title, showOnWall: row.show_on_wall === 1 })
    return toView(w.trx, row)
  })
}

export interface PagePatch {
  title?: string | undefined
  section?: string | undefined
  body?: string | undefined
  showOnWall?: boolean | undefined
  position?: number | undefined
}

async function applyUpdate(w: WriteContext, actor: Actor, id: number, patch: PagePatch, note = ''): Promise<PageView> {
  const row = await requirePage(w.trx, actor, id)
  const next = {
    title: patch.title === undefined ? row.title : cleanName(patch.title),
    section: patch.section?.trim() ?? row.section,
    body: patch.body ?? row.body,
    show_on_wall: patch.showOnWall === undefined ? row.show_on_wall : patch.showOnWall ? 1 : 0,
    position: patch.position ?? row.position,
  }
  const isContentChanged = next.title !== row.title || next.section !== row.section || next.body !== row.body
  await w.trx
    .updateTable('page')
    .set({ ...next, updated_at: w.now, updated_by: actor.member.id })
    .where('id', '=', id)
    .execute()
  if (isContentChanged) {
    const revision = await w.trx
      .insertInto('page_revision')
      .values({
        page_id: id,
        title: next.title,
        section: next.section,
        body: next.body,
        author_id: actor.member.id,
        created_at: w.now,
        note,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    // The earlier text stays in the revisions; the log says who changed which page when.
    await recordAudit(w.trx, w.now, {
      action: 'page.edited',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { page: id, title: next.title, revisionId: revision.id, ...(note ? { note } : {}) },
    })
    await linkFiles(w, actor, id, next.body)
    await reindex(w, id, next.title, next.body)
  }
  w.emit('page.changed', { kind: 'shop' }, { pageId: id, title: next.title, showOnWall: next.show_on_wall === 1 })
  return toView(w.trx, { ...row, ...next, updated_at: w.now, updated_by: actor.member.id })
}

export async function updatePage(ctx: AppContext, actor: Actor, id: number, patch: PagePatch): Promise<PageView> {
  assertEditor(actor)
  assertContent(patch)
  return ctx.write((w) => applyUpdate(w, actor, id, patch))
}

export async function deletePage(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  assertEditor(actor)
  await ctx.write(async (w) => {
    const row = await requirePage(w.trx, actor, id)
    await w.trx
      .updateTable('page')
      .set({ deleted_at: w.now, updated_by: actor.member.id })
      .where('id', '=', id)
      .execute()
    await recordAudit(w.trx, w.now, {
      action: 'page.deleted',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { page: id, title: row.title },
    })
    await sql`delete from page_fts where rowid = ${id}`.execute(w.trx)
    w.emit('page.deleted', { kind: 'shop' }, { pageId: id })
  })
}

export async function listRevisions(ctx: AppContext, actor: Actor, id: number): Promise<RevisionSummary[]> {
  await requirePage(ctx.db, actor, id)
  const rows = await ctx.db
    .selectFrom('page_revision')
    .selectAll()
    .where('page_id', '=', id)
    .orderBy('id', 'desc')
    .execute()
  const by = await people(
    ctx.db,
    rows.map((r) => r.author_id),
  )
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    author: row.author_id === null ? null : (by.get(row.author_id) ?? null),
    note: row.note,
  }))
}

export async function getRevision(
  ctx: AppContext,
  actor: Actor,
  id: number,
  revisionId: number,
): Promise<RevisionView> {
  await requirePage(ctx.db, actor, id)
  const row = await ctx.db
    .selectFrom('page_revision')
    .selectAll()
    .where('page_id', '=', id)
    .where('id', '=', revisionId)
    .executeTakeFirst()
  if (!row) throw notFound('revision_not_found', 'No such revision.')
  const by = await people(ctx.db, [row.author_id])
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    author: row.author_id === null ? null : (by.get(row.author_id) ?? null),
    note: row.note,
    section: row.section,
    body: row.body,
  }
}

/** Restores an old revision by making it the newest one; nothing is lost. */
export async function restoreRevision(
  ctx: AppContext,
  actor: Actor,
  id: number,
  revisionId: number,
): Promise<PageView> {
  assertEditor(actor)
  return ctx.write(async (w) => {
    const old = await w.trx
      .selectFrom('page_revision')
      .selectAll()
      .where('page_id', '=', id)
      .where('id', '=', revisionId)
      .executeTakeFirst()
    if (!old) throw notFound('revision_not_found', 'No such revision.')
    return applyUpdate(
      w,
      actor,
      id,
      { title: old.title, section: old.section, body: old.body },
      `restored:${revisionId}`,
    )
  })
}

export interface PageHit {
  pageId: number
  title: string
  snippet: string
}

/** Pages matching a full-text query (FTS5 here and in db/ only). */
export async function searchPages(ctx: AppContext, actor: Actor, match: string, limit: number): Promise<PageHit[]> {
  const wallOnly = actor.member.role === 'display' ? sql`and p.show_on_wall = 1` : sql``
  const result = await sql<{ id: number; title: string; snippet: string }>`
    select p.id, p.title, snippet(page_fts, -1, char(2), char(3), char(8230), 16) as snippet
    from page_fts join page p on p.id = page_fts.rowid
    where page_fts match ${match} and p.deleted_at is null ${wallOnly}
    order by bm25(page_fts, 5.0, 1.0) limit ${limit}`.execute(ctx.db)
  return result.rows.map((row) => ({ pageId: row.id, title: row.title, snippet: row.snippet }))
}
