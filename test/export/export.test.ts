import crypto from 'node:crypto'
import zlib from 'node:zlib'
import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, createChannel, send, tinyPng, upload } from '../helpers/chat'

/** Reads a POSIX ustar archive into a map of entry name to bytes. */
function untar(archive: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>()
  const text = (block: Buffer, start: number, length: number) =>
    block
      .subarray(start, start + length)
      .toString('utf8')
      .replace(/\0.*$/s, '')
  let offset = 0
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512)
    if (header.every((byte) => byte === 0)) break
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] as number)
    if (sum !== parseInt(text(header, 148, 8).trim(), 8)) throw new Error(`bad checksum at ${offset}`)
    if (text(header, 257, 6) !== 'ustar') throw new Error(`not a ustar header at ${offset}`)
    const prefix = text(header, 345, 155)
    const name = (prefix ? `${prefix}/` : '') + text(header, 0, 100)
    const size = parseInt(text(header, 124, 12).trim(), 8)
    offset += 512
    entries.set(name, Buffer.from(archive.subarray(offset, offset + size)))
    offset += Math.ceil(size / 512) * 512
  }
  return entries
}

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager' })
const staff = await createMember(app, owner.cookie, { username: 'sam', displayName: 'Sam Shelves' })
const photo = tinyPng(12, 8, [10, 120, 200])
const uploaded = await upload(app, staff, photo, 'shelf.png', 'image/png')
const channel = await createChannel(app, owner, 'stockroom', { members: [staff] })
await send(app, staff, channel, 'The new shelf, photographed', { attachments: [{ fileId: uploaded.id }] })
await as(app, owner, 'POST', '/api/tasks', {
  title: 'Fix the shelf',
  checklist: ['Screws'],
  conversationId: channel,
  clientKey: 'export-task-1',
})

t.test('only an owner may export everything', async (t) => {
  for (const [name, member] of [
    ['manager', manager],
    ['staff', staff],
  ] as [string, SignedInMember][]) {
    const response = await as(app, member, 'GET', '/api/export')
    t.equal(response.statusCode, 403, `${name} is refused`)
    t.equal(bodyOf(response).code, 'forbidden')
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/export' })).statusCode, 401)
  const audits = await ctx.db.selectFrom('audit').select('id').where('action', '=', 'data.exported').execute()
  t.equal(audits.length, 0, 'a refused export is not an export')
})

t.test('the export is a gzip tar with a manifest, the data without secrets, and every file', async (t) => {
  const response = await as(app, owner, 'GET', '/api/export')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/gzip')
  t.equal(response.headers['content-disposition'], 'attachment; filename="backboard-export-2026-12-01.tar.gz"')
  const gzipped = response.rawPayload
  t.same([...gzipped.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic bytes')
  const entries = untar(zlib.gunzipSync(gzipped))

  const sha256 = crypto.createHash('sha256').update(photo).digest('hex')
  t.same([...entries.keys()].sort(), [
    'backboard-export/data.json',
    `backboard-export/files/${sha256}`,
    'backboard-export/manifest.json',
  ])

  const manifest = JSON.parse(entries.get('backboard-export/manifest.json')!.toString('utf8'))
  t.match(manifest, { format: 'backboard-export', formatVersion: 1, version: ctx.version })

  const data = JSON.parse(entries.get('backboard-export/data.json')!.toString('utf8')) as Record<
    string,
    Record<string, unknown>[]
  >
  t.same(data.member!.map((m) => m.username).sort(), ['olive', 'sam', manager.username].sort(), 'every member is there')
  for (const member of data.member!) t.notOk('password_hash' in member, `no password hash for ${member.username}`)
  t.notOk('session' in data, 'no session table')
  t.notOk('trusted_device' in data, 'no trusted devices')
  t.notOk('outbox' in data, 'no delivery queue')
  t.notOk('join_code' in data.shop![0]!, 'no join code')
  const raw = entries.get('backboard-export/data.json')!.toString('utf8')
  const hashes = await ctx.db.selectFrom('member').select('password_hash').execute()
  t.ok(hashes.filter((row) => row.password_hash).length >= 3)
  for (const { password_hash: hash } of hashes) if (hash) t.notOk(raw.includes(hash), 'no password hash anywhere')
  t.notMatch(raw, /scrypt\$\d+\$/, 'nothing that looks like a password hash')
  t.ok(
    data.message!.some((m) => m.body === 'The new shelf, photographed'),
    'messages are there',
  )
  t.match(data.file, [{ id: uploaded.id, sha256, name: 'shelf.png' }])
  t.match(data.task, [{ title: 'Fix the shelf', state: 'open' }], 'tasks are there')
  t.match(data.task_check, [{ text: 'Screws' }])
  t.match(data.task_change, [{ action: 'created' }])

  t.ok(entries.get(`backboard-export/files/${sha256}`)!.equals(photo), 'the file has identical bytes')

  const audit = await ctx.db.selectFrom('audit').selectAll().where('action', '=', 'data.exported').execute()
  t.equal(audit.length, 1, 'the export is in the audit log')
  t.equal(audit[0]!.actor_id, owner.id)
})
