/**
 * "Export everything": the shop's data as JSON plus every uploaded file, in one .tar.gz.
 * Secrets and what only makes sense inside a running server (password hashes, sessions,
 * devices, the delivery queue, the event log) are left out.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import type { AppContext } from '../shared/context'
import { recordAudit } from '../audit/service'
import { auditParty, type Actor } from '../auth/actor'
import { filesDir } from '../files/service'
import { addBuffer, addFile, finish } from './tar'

const TABLES = [
  'shop',
  'member',
  'member_permission',
  'invite',
  'conversation',
  'conversation_member',
  'message',
  'message_mention',
  'message_revision',
  'notice',
  'notice_ack',
  'reaction',
  'file',
  'attachment',
  'page',
  'page_revision',
  'page_file',
  'task_queue',
  'task_schedule',
  'report_category',
  'task',
  'task_check',
  'task_change',
  'task_follower',
  'task_reveal',
  'task_profile',
  'customer_settings',
  'customer',
  'customer_message',
  'customer_participant',
  'customer_task',
  'xero_settings',
  'xero_card',
  'card_message',
  'audit',
] as const

const OMITTED_COLUMNS: Record<string, string[]> = { member: ['password_hash'], shop: ['join_code'], invite: ['code'] }

export async function exportData(ctx: AppContext): Promise<Record<string, unknown[]>> {
  const data: Record<string, unknown[]> = {}
  for (const table of TABLES) {
    const rows = (await ctx.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[]
    const omit = OMITTED_COLUMNS[table] ?? []
    data[table] = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !omit.includes(key))))
  }
  return data
}

/** Streams the archive; records the export in the audit log when an owner asked for it. */
export async function exportArchive(ctx: AppContext, actor: Actor | null): Promise<Readable> {
  const data = await exportData(ctx)
  if (actor) {
    await ctx.write(async ({ trx, now }) => {
      await recordAudit(trx, now, { action: 'data.exported', actor: auditParty(actor), ip: actor.ip })
    })
  }
  const tar = new PassThrough()
  const gzip = createGzip()
  tar.pipe(gzip)
  const manifest = {
    format: 'backboard-export',
    formatVersion: 1,
    version: ctx.version,
    exportedAt: new Date(ctx.clock.now()).toISOString(),
    files: 'files/<sha256> holds each uploaded file; the file table maps ids and names to them.',
  }
  void (async () => {
    try {
      await addBuffer(tar, 'backboard-export/manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)))
      await addBuffer(tar, 'backboard-export/data.json', Buffer.from(JSON.stringify(data, null, 1)))
      const seen = new Set<string>()
      for (const file of data.file as { sha256: string }[]) {
        if (seen.has(file.sha256)) continue
        seen.add(file.sha256)
        const blob = path.join(filesDir(ctx), file.sha256.slice(0, 2), file.sha256)
        if (fs.existsSync(blob)) await addFile(tar, `backboard-export/files/${file.sha256}`, blob)
      }
      await finish(tar)
      tar.end()
    } catch (error) {
      gzip.destroy(error as Error)
    }
  })()
  return gzip
}
