import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { STALE_BACKUP_MS } from '../../server/system/service'
import type { DeliveryResult } from '../../server/outbox/service'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as } from '../helpers/chat'

interface SystemStatus {
  version: string
  node: string
  uptimeSeconds: number
  database: { bytes: number; walBytes: number }
  disk: { freeBytes: number; totalBytes: number; isLow: boolean }
  backups: {
    last: { name: string; createdAt: number; reason: string; databaseBytes: number } | null
    count: number
    directory: string
    isStale: boolean
  }
  integrations: { name: string; state: string; detail: string }[]
  outbox: { channel: string; pending: number; done: number; dead: number; dropped: number; retries: number }[]
  deadLetters: { id: number; channel: string; attempts: number; lastError: string }[]
  connections: number
}

const { app, ctx, clock, close } = await startApp({ build: { outboxPollMs: 20 } })
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager' })
const staff = await createMember(app, owner.cookie)
const packageVersion = (
  JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string
  }
).version

async function status(member: SignedInMember = owner): Promise<SystemStatus> {
  const response = await as(app, member, 'GET', '/api/system')
  if (response.statusCode !== 200) throw new Error(`system: ${response.statusCode} ${response.body}`)
  return bodyOf<SystemStatus>(response)
}

async function waitFor(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('timed out')
}

t.test('/api/system is for owners only', async (t) => {
  for (const [name, member] of [
    ['manager', manager],
    ['staff', staff],
  ] as const) {
    const response = await as(app, member, 'GET', '/api/system')
    t.equal(response.statusCode, 403, `${name} is refused`)
    t.equal(bodyOf(response).code, 'forbidden')
  }
  const anonymous = await app.inject({ method: 'GET', url: '/api/system' })
  t.equal(anonymous.statusCode, 401)
  const backup = await as(app, manager, 'POST', '/api/system/backups')
  t.equal(backup.statusCode, 403, 'a manager cannot take a backup')
  t.equal(fs.existsSync(ctx.config.backupDir) ? fs.readdirSync(ctx.config.backupDir).length : 0, 0)
})

t.test('reports the version, the database and the disk it lives on', async (t) => {
  const report = await status()
  t.equal(report.version, packageVersion)
  t.equal(report.node, process.version)
  t.ok(report.uptimeSeconds >= 0)
  t.ok(report.database.bytes > 0, `the database file has a size: ${report.database.bytes}`)
  t.ok(report.database.walBytes >= 0)
  t.ok(report.disk.totalBytes > 0)
  t.ok(report.disk.freeBytes > 0 && report.disk.freeBytes <= report.disk.totalBytes)
  t.equal(report.disk.isLow, report.disk.freeBytes < 1024 ** 3, 'low means under 1 GB free')
  for (const integration of report.integrations) {
    t.match(
      integration,
      { name: String, state: /^(ok|failing|not_set_up)$/, detail: String },
      'each integration reports',
    )
  }
  t.equal(report.connections, 0, 'no WebSocket is open')
})

t.test('the disk warning comes on below 1 GB free and goes off again at 1 GB', async (t) => {
  const GB = 1024 ** 3
  let freeBytes = GB
  const own = await startApp({ build: { diskSpace: () => ({ freeBytes, totalBytes: 32 * GB }) } })
  t.teardown(own.close)
  const shopOwner = await setupOwner(own.app)
  const disk = async () => bodyOf<SystemStatus>(await as(own.app, shopOwner, 'GET', '/api/system')).disk
  t.same(await disk(), { freeBytes: GB, totalBytes: 32 * GB, isLow: false }, 'exactly 1 GB free: no warning')
  freeBytes = GB - 1
  t.same(await disk(), { freeBytes: GB - 1, totalBytes: 32 * GB, isLow: true }, 'one byte less: the warning')
  freeBytes = 5 * GB
  t.equal((await disk()).isLow, false, 'room made: the warning goes')
})

t.test('backups are stale before the first one, fresh after "back up now", stale two days later', async (t) => {
  const before = await status()
  t.match(before.backups, { last: null, count: 0, isStale: true, directory: ctx.config.backupDir })

  const taken = await as(app, owner, 'POST', '/api/system/backups')
  t.equal(taken.statusCode, 201)
  const { name } = bodyOf<{ name: string }>(taken)
  t.ok(fs.existsSync(path.join(ctx.config.backupDir, name, 'backboard.db')), 'the backup is on disk')

  const after = await status()
  t.match(after.backups, { count: 1, isStale: false, last: { name, reason: 'manual', createdAt: clock.now() } })
  t.ok((after.backups.last?.databaseBytes ?? 0) > 0)

  clock.advance(STALE_BACKUP_MS - 1000)
  t.equal((await status()).backups.isStale, false, 'still fresh just under two days later')
  clock.advance(2000)
  t.equal((await status()).backups.isStale, true, 'stale after two days')
})

t.test('a dead delivery shows in the queue and among dead letters; retrying it delivers it', async (t) => {
  let isBroken = true
  let calls = 0
  ctx.outbox.register(
    'test',
    async (): Promise<DeliveryResult> => {
      calls++
      return isBroken ? { kind: 'retry', error: 'connection refused by remote' } : { kind: 'done' }
    },
    { maxAttempts: 2, baseBackoffMs: 1, maxBackoffMs: 1 },
  )
  await ctx.write(async (w) => {
    await w.enqueue({ channel: 'test', idempotencyKey: 'system-1', payload: { text: 'hello' } })
  })
  await waitFor(async () => {
    clock.advance(5)
    return (await ctx.outbox.counts()).some((c) => c.channel === 'test' && c.dead === 1)
  })

  const report = await status()
  t.match(
    report.outbox.find((c) => c.channel === 'test'),
    { pending: 0, done: 0, dead: 1, retries: 1 },
  )
  t.equal(report.deadLetters.length, 1)
  const dead = report.deadLetters[0]!
  t.match(dead, { channel: 'test', attempts: 2, lastError: 'connection refused by remote' })

  const byManager = await as(app, manager, 'POST', `/api/system/outbox/${dead.id}/retry`)
  t.equal(byManager.statusCode, 403, 'a manager cannot retry')

  isBroken = false
  const retried = await as(app, owner, 'POST', `/api/system/outbox/${dead.id}/retry`)
  t.equal(retried.statusCode, 200)
  t.same(bodyOf(retried), { ok: true })
  await waitFor(async () => (await ctx.outbox.counts()).some((c) => c.channel === 'test' && c.done === 1))
  t.equal(calls, 3, 'delivered on the attempt after the retry')

  const later = await status()
  t.match(
    later.outbox.find((c) => c.channel === 'test'),
    { dead: 0, done: 1 },
  )
  t.same(later.deadLetters, [])

  const again = await as(app, owner, 'POST', `/api/system/outbox/${dead.id}/retry`)
  t.equal(again.statusCode, 404, 'a delivered item cannot be retried again')
  t.equal(bodyOf(again).code, 'outbox_item_not_found')
})
