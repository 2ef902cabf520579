/** Shared by the benchmarks: a data folder seeded with members and sessions, and the real server. */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { migrateToLatest, openDatabase } from '../server/db/database'
import { hashPassword } from '../server/auth/passwords'
import { hashToken, randomToken } from '../server/shared/tokens'

export const root = path.resolve(import.meta.dirname, '..')

export interface Seeded {
  tokens: string[]
  channelId: number
}

export async function seed(dataDir: string, members: number): Promise<Seeded> {
  const { db } = openDatabase(path.join(dataDir, 'backboard.db'))
  await migrateToLatest(db)
  const now = Date.now()
  const passwordHash = await hashPassword('bench password 1')
  await db
    .insertInto('shop')
    .values({ id: 1, name: 'Bench', timezone: 'UTC', join_code: 'BENCHJOIN', auto_approve: 0, setup_at: now })
    .execute()
  const tokens: string[] = []
  for (let i = 0; i < members; i++) {
    const member = await db
      .insertInto('member')
      .values({
        username: `bench${i}`,
        display_name: `Bench ${i}`,
        password_hash: passwordHash,
        role: i === 0 ? 'owner' : 'staff',
        status: 'active',
        created_at: now,
        approved_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const token = randomToken()
    await db
      .insertInto('session')
      .values({
        member_id: member.id,
        token_hash: hashToken(token),
        created_at: now,
        last_seen_at: now,
        expires_at: now + 86_400_000,
        user_agent: 'bench',
        ip: '127.0.0.1',
      })
      .execute()
    tokens.push(token)
  }
  const channel = await db
    .insertInto('conversation')
    .values({
      kind: 'channel',
      name: 'bench',
      topic: '',
      is_private: 0,
      direct_key: null,
      created_by: 1,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const ids = await db.selectFrom('member').select('id').execute()
  await db
    .insertInto('conversation_member')
    .values(ids.map((m) => ({ conversation_id: channel.id, member_id: m.id, joined_at: now })))
    .execute()
  await db.destroy()
  return { tokens, channelId: channel.id }
}

export interface StartOptions {
  /** Extra Node flags before the script (BENCH_NODE_ARGS by default). */
  nodeArgs?: string[]
  /** An IPC channel to the server process (for a probe loaded with --import). */
  ipc?: boolean
  /** Another script in place of the server (BENCH_SERVER, else dist/server.js). */
  script?: string
  /** More environment for the server process. */
  env?: Record<string, string>
}

/**
 * Starts the built server and resolves once /healthz answers. BENCH_SERVER picks another
 * build (to compare two builds back to back) and BENCH_NODE another Node binary.
 */
export async function startServer(dataDir: string, port: number, options: StartOptions = {}): Promise<ChildProcess> {
  const nodeArgs = options.nodeArgs ?? process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(
    process.env.BENCH_NODE ?? process.execPath,
    [...nodeArgs, options.script ?? process.env.BENCH_SERVER ?? path.join(root, 'dist/server.js')],
    {
      env: {
        ...process.env,
        ...options.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit', ...(options.ipc ? (['ipc'] as const) : [])],
    },
  )
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child
    } catch {
      // not up yet
    }
    await sleep(100)
  }
  throw new Error('server did not start')
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
