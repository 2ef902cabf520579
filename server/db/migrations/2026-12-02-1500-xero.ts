import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  await db.schema
    .createTable('xero_connection')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('custom','oauth')`))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text')
    .addColumn('tenant_id', 'text')
    .addColumn('tenant_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tenant_choices', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('connected','reconnect')`))
    .addColumn('access_token', 'text', (c) => c.notNull())
    .addColumn('access_expires_at', 'integer', (c) => c.notNull())
    .addColumn('refresh_token', 'text')
    .addColumn('previous_refresh_token', 'text')
    .addColumn('previous_refresh_until', 'integer')
    .addColumn('connected_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('connected_at', 'integer', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('xero_oauth_pending')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute()
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.dropTable('xero_oauth_pending').execute()
  await db.schema.dropTable('xero_connection').execute()
}
