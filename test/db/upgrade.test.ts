/**
 * A database created by the first released schema (only the foundation migration, with a
 * shop and members in it) upgrades to the current schema at start, keeps its data, and
 * takes a backup first.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { migrations } from '../../server/db/migrations/index'
import { listBackups } from '../../server/backup/service'
import { hashPassword } from '../../server/auth/passwords'

t.test('a database from the first released schema upgrades to the current one and keeps its data', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-upgrade-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const file = path.join(dataDir, 'backboard.db')
  const first = Object.keys(migrations).sort()[0] as string

  // The shop as the first release would have left it.
  const sqlite = new SQLite(file)
  const old = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database: sqlite }) })
  const migrator = new Migrator({ db: old, provider: { getMigrations: async () => ({ [first]: migrations[first]! }) } })
  const result = await migrator.migrateToLatest()
  t.equal(result.error, undefined)
  const now = Date.UTC(2026, 10, 1)
  const hash = await hashPassword('flour and water')
  sqlite
    .prepare(
      "insert into shop (id, name, timezone, join_code, auto_approve, setup_at) values (1, 'Old Bakery', 'Europe/Dublin', 'OLDCODE1', 0, ?)",
    )
    .run(now)
  sqlite
    .prepare(
      "insert into member (username, display_name, password_hash, role, status, created_at) values ('olive', 'Olive', ?, 'owner', 'active', ?)",
    )
    .run(hash, now)
  sqlite
    .prepare(
      "insert into member (username, display_name, password_hash, role, status, created_at) values ('sam', 'Sam', ?, 'staff', 'active', ?)",
    )
    .run(hash, now)
  sqlite.prepare("insert into audit (at, actor_name, action) values (?, 'Olive', 'setup.completed')").run(now)
  await old.destroy()

  const { app } = await buildApp({ config: loadConfig({ DATA_DIR: dataDir }), logger: false })
  t.teardown(() => app.close())

  const backups = listBackups(path.join(dataDir, 'backups'))
  t.equal(backups.length, 1, 'a backup was taken before migrating')
  t.equal(backups[0]?.reason, 'pre-migration')

  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'olive', password: 'flour and water' },
  })
  t.equal(login.statusCode, 200, 'the old owner signs in')
  const cookie = login.cookies.find((c) => c.name === 'bb_session')!
  const me = login.json() as { shop: { name: string; timezone: string } }
  t.match(me.shop, { name: 'Old Bakery', timezone: 'Europe/Dublin' })
  const conversations = await app.inject({
    method: 'GET',
    url: '/api/conversations',
    headers: { cookie: `bb_session=${cookie.value}` },
  })
  const board = (conversations.json() as { kind: string; memberCount: number }[]).find((c) => c.kind === 'board')
  t.equal(board?.memberCount, 2, 'existing members are on the new board')
  const audit = await app.inject({
    method: 'GET',
    url: '/api/audit?action=setup',
    headers: { cookie: `bb_session=${cookie.value}` },
  })
  t.equal((audit.json() as unknown[]).length, 1, 'the old audit log is still there')
})
