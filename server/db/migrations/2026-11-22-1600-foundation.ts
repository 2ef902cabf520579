import { sql, type Kysely } from 'kysely'

// Written against `any` on purpose: a migration describes the schema as it was on its
// day, not as server/db/schema.ts says it is now.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  await db.schema
    .createTable('shop')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('join_code', 'text', (c) => c.notNull())
    .addColumn('auto_approve', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('setup_at', 'integer', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('member')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('username', 'text', (c) =>
      c
        .notNull()
        .unique()
        .modifyEnd(sql`collate nocase`),
    )
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner','manager','staff','display')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending','active','deactivated')`))
    .addColumn('job_title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('phone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('approved_at', 'integer')
    .addColumn('approved_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('deactivated_at', 'integer')
    .addColumn('invite_id', 'integer')
    .execute()
  await db.schema.createIndex('member_status').on('member').columns(['status', 'role']).execute()

  await db.schema
    .createTable('member_permission')
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('granted_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_permission_pk', ['member_id', 'permission'])
    .execute()

  await db.schema
    .createTable('session')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  await db.schema.createIndex('session_member').on('session').column('member_id').execute()

  await db.schema
    .createTable('trusted_device')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_used_at', 'integer', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('invite')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.notNull().references('member.id'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('max_uses', 'integer', (c) => c.notNull())
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revoked_at', 'integer')
    .execute()

  await db.schema
    .createTable('audit')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_id', 'integer')
    .addColumn('target_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute()
  await db.schema.createIndex('audit_at').on('audit').column('at').execute()
  await db.schema.createIndex('audit_action').on('audit').columns(['action', 'at']).execute()
  // Append-only: the database itself refuses to change or remove an audit row.
  await sql`create trigger audit_no_update before update on audit begin select raise(abort, 'audit is append-only'); end`.execute(
    db,
  )
  await sql`create trigger audit_no_delete before delete on audit begin select raise(abort, 'audit is append-only'); end`.execute(
    db,
  )

  await db.schema
    .createTable('event')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('audience_kind', 'text', (c) => c.notNull())
    .addColumn('audience_id', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()
}

export async function down(db: AnyDB): Promise<void> {
  for (const table of [
    'event',
    'audit',
    'invite',
    'trusted_device',
    'session',
    'member_permission',
    'member',
    'shop',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
