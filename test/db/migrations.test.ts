import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { Migrator, NO_MIGRATIONS, sql } from 'kysely'
import { migrateToLatest, openDatabase, type OpenedDatabase } from '../../server/db/database'
import { migrations } from '../../server/db/migrations/index'

const here = path.dirname(fileURLToPath(import.meta.url))

/** The tables server/db/schema.ts tells Kysely about: the migrations must create every one. */
function tablesInSchemaTypes(): string[] {
  const source = fs.readFileSync(path.join(here, '../../server/db/schema.ts'), 'utf8')
  const block = /export interface DB \{([^}]*)\}/.exec(source)?.[1] ?? ''
  return [...block.matchAll(/^\s*(\w+):/gm)].map((match) => match[1] as string).sort()
}

const KYSELY_TABLES = ['kysely_migration', 'kysely_migration_lock']

function openTemp(t: Test): OpenedDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-migrations-'))
  const opened = openDatabase(path.join(dir, 'backboard.db'))
  t.teardown(async () => {
    await opened.db.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  return opened
}

function tableNames(opened: OpenedDatabase): string[] {
  const rows = opened.sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .all() as { name: string }[]
  return rows.map((row) => row.name)
}

t.test('every migration applies to an empty file and creates every table in the schema types', async (t) => {
  const opened = openTemp(t)
  const result = await migrateToLatest(opened.db)
  t.same(
    result.results?.map((r) => [r.migrationName, r.status]),
    Object.keys(migrations).map((name) => [name, 'Success']),
  )
  const expected = tablesInSchemaTypes()
  t.ok(expected.length >= 8, `found the DB interface in schema.ts (${expected.join(', ')})`)
  const created = tableNames(opened)
  for (const table of expected) t.ok(created.includes(table), `table ${table} exists`)
  t.ok(created.includes('kysely_migration'))
})

t.test('the pragmas the appliance relies on are set on every connection', async (t) => {
  const opened = openTemp(t)
  const pragma = (name: string) => opened.sqlite.pragma(name, { simple: true })
  t.equal(pragma('journal_mode'), 'wal')
  t.equal(pragma('foreign_keys'), 1)
  t.equal(pragma('synchronous'), 1, 'NORMAL')
  t.equal(pragma('busy_timeout'), 5000)
})

t.test('migrating an up-to-date database again changes nothing', async (t) => {
  const opened = openTemp(t)
  await migrateToLatest(opened.db)
  const before = opened.sqlite.prepare('select sql from sqlite_master order by name').all()
  const again = await migrateToLatest(opened.db)
  t.same(again.results, [])
  t.same(opened.sqlite.prepare('select sql from sqlite_master order by name').all(), before)
})

t.test('down() of every migration, newest first, leaves no tables behind and up() works again', async (t) => {
  const opened = openTemp(t)
  await migrateToLatest(opened.db)
  const createdByUp = tableNames(opened)
  const migrator = new Migrator({ db: opened.db, provider: { getMigrations: async () => migrations } })
  const down = await migrator.migrateTo(NO_MIGRATIONS)
  t.error(down.error)
  t.same(
    down.results?.map((r) => [r.migrationName, r.direction, r.status]),
    Object.keys(migrations)
      .reverse()
      .map((name) => [name, 'Down', 'Success']),
  )
  t.same(tableNames(opened), KYSELY_TABLES, 'only Kysely’s own bookkeeping tables remain')
  t.same(
    opened.sqlite
      .prepare("select name from sqlite_master where type in ('index', 'trigger') and sql is not null")
      .all(),
    [],
  )
  await migrateToLatest(opened.db)
  t.same(tableNames(opened), createdByUp, 'migrating up again recreates the same tables')
})

t.test('audit rows cannot be changed or removed, even with direct SQL', async (t) => {
  const opened = openTemp(t)
  await migrateToLatest(opened.db)
  await opened.db
    .insertInto('audit')
    .values({
      at: 1,
      actor_id: null,
      actor_name: 'x',
      action: 'login.failed',
      target_id: null,
      target_name: '',
      ip: '10.0.0.1',
      detail: '{}',
    })
    .execute()
  await t.rejects(opened.db.updateTable('audit').set({ action: 'login.succeeded' }).execute(), /append-only/)
  await t.rejects(opened.db.deleteFrom('audit').execute(), /append-only/)
  await t.rejects(sql`delete from audit where id = 1`.execute(opened.db), /append-only/)
  const rows = await opened.db.selectFrom('audit').selectAll().execute()
  t.equal(rows.length, 1)
  t.equal(rows[0]?.action, 'login.failed')
})

t.test('foreign keys are enforced: a session for a missing member is refused', async (t) => {
  const opened = openTemp(t)
  await migrateToLatest(opened.db)
  await t.rejects(
    opened.db
      .insertInto('session')
      .values({
        member_id: 999,
        token_hash: 'x',
        created_at: 1,
        last_seen_at: 1,
        expires_at: 2,
        user_agent: '',
        ip: '',
      })
      .execute(),
    /FOREIGN KEY/,
  )
})
