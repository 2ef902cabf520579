/**
 * Private files and the browser: how files, thumbnails and photos may be cached, what
 * signing out tells the browser, that a refused photo leaves nothing behind, and that a
 * download is named for what the bytes are.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { bodyOf, cookieOf, createMember, login, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, createChannel, send, tinyPng, upload, uploadRequest } from '../helpers/chat'

const { app, ctx, dataDir, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [sam, sid, ola] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
  createMember(app, owner.cookie, { username: 'ola' }),
])) as [SignedInMember, SignedInMember, SignedInMember]
const room = await createChannel(app, owner, 'back-room', { isPrivate: true, members: [sam, sid] })

/** A private photo sam sent to the back room (ola is not in it). */
async function privatePhoto(rgb: [number, number, number]) {
  const file = await upload(app, sam, tinyPng(8, 6, rgb), 'till.png', 'image/png')
  await send(app, sam, room, 'the till', { attachments: [{ fileId: file.id }] })
  return file
}

function putAvatar(member: SignedInMember, memberId: number, body: string | Buffer, contentType: string) {
  return as(app, member, 'PUT', `/api/members/${memberId}/avatar`, body, { 'content-type': contentType })
}

/** Every file under DATA_DIR/files, the temporary folder included. */
function storedFiles(): string[] {
  const filesDir = path.join(dataDir, 'files')
  if (!fs.existsSync(filesDir)) return []
  return fs
    .readdirSync(filesDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
}

async function fileRows(): Promise<number> {
  const row = await ctx.db
    .selectFrom('file')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

t.test('files, thumbnails and photos are revalidated on every use, per session', async (t) => {
  const file = await privatePhoto([10, 20, 30])
  const avatar = await putAvatar(sam, sam.id, tinyPng(16, 16, [1, 2, 3]), 'image/png')
  t.equal(avatar.statusCode, 200)
  const urls = [file.url, `${file.url}/thumbnail`, bodyOf<{ avatarUrl: string }>(avatar).avatarUrl]
  for (const url of urls) {
    const served = await as(app, sid, 'GET', url)
    t.equal(served.statusCode, 200, url)
    t.equal(served.headers['cache-control'], 'private, no-cache', `${url}: never reused without asking`)
    t.match(served.headers.vary, /\bCookie\b/i, `${url}: varies with the session`)
    t.match(served.headers.etag, /^"[0-9a-f]{64}"$/, `${url}: a strong ETag`)
  }
})

t.test('a 304 answers If-None-Match only once the access check has passed', async (t) => {
  const file = await privatePhoto([40, 50, 60])
  const first = await as(app, sid, 'GET', file.url)
  const etag = first.headers.etag as string
  t.ok(etag, 'the file carries an ETag')

  const revalidated = await as(app, sid, 'GET', file.url, undefined, { 'if-none-match': etag })
  t.equal(revalidated.statusCode, 304, 'a member of the room keeps their copy')
  t.equal(revalidated.body, '', 'without the bytes')
  t.equal(revalidated.headers.etag, etag)
  t.equal(revalidated.headers['cache-control'], 'private, no-cache')

  const weak = await as(app, sid, 'GET', file.url, undefined, { 'if-none-match': `"other", W/${etag}` })
  t.equal(weak.statusCode, 304, 'a list and a weak tag match too')

  const stale = await as(app, sid, 'GET', file.url, undefined, { 'if-none-match': '"not-this-one"' })
  t.equal(stale.statusCode, 200, 'another tag gets the bytes')
  t.equal(stale.rawPayload.length, file.size)

  const signedOut = await app.inject({ method: 'GET', url: file.url, headers: { 'if-none-match': etag } })
  t.equal(signedOut.statusCode, 401, 'without a session the cached copy is not confirmed')
  t.equal(signedOut.headers['cache-control'], 'no-store')
  t.notOk(signedOut.headers.etag)

  const outsider = await as(app, ola, 'GET', file.url, undefined, { 'if-none-match': etag })
  t.equal(outsider.statusCode, 404, 'nor for someone who cannot see the file')
  t.notOk(outsider.headers.etag)

  const thumbnail = await as(app, ola, 'GET', `${file.url}/thumbnail`, undefined, { 'if-none-match': etag })
  t.equal(thumbnail.statusCode, 404, 'nor its thumbnail')

  const range = await as(app, sid, 'GET', file.url, undefined, { range: 'bytes=0-3', 'if-range': '"old"' })
  t.equal(range.statusCode, 200, 'a range of another version gets the whole file')
  const sameVersion = await as(app, sid, 'GET', file.url, undefined, { range: 'bytes=0-3', 'if-range': etag })
  t.equal(sameVersion.statusCode, 206, 'a range of this version gets the range')
})

t.test('signing out tells the browser to drop its cached copies', async (t) => {
  const signedIn = await login(app, sam)
  t.equal(signedIn.statusCode, 200)
  const cookie = cookieOf(signedIn)
  const loggedOut = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })
  t.equal(loggedOut.statusCode, 200)
  t.equal(loggedOut.headers['clear-site-data'], '"cache"')

  const again = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })
  t.equal(again.statusCode, 401, 'the session has ended')
  t.equal(again.headers['clear-site-data'], '"cache"', 'and a browser signed out by the server can still ask')

  const other = await as(app, sam, 'GET', '/api/me')
  t.notOk(other.headers['clear-site-data'], 'other answers clear nothing')
})

t.test('a refused profile photo leaves nothing in storage or the database', async (t) => {
  const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0]), Buffer.alloc(32)])
  const refusals: [string, string | Buffer, string][] = [
    ['an HTML page', '<html><script>alert(1)</script></html>', 'image/jpeg'],
    ['a PDF', '%PDF-1.4 not a photo', 'image/png'],
    ['a GIF', gif, 'image/gif'],
    ['an image too wide to be a photo', tinyPng(12_000, 1), 'image/png'],
  ]
  for (const [what, body, type] of refusals) {
    const filesBefore = storedFiles()
    const rowsBefore = await fileRows()
    const refused = await putAvatar(ola, ola.id, body, type)
    t.equal(refused.statusCode, 400, `${what} is refused`)
    t.equal(bodyOf(refused).code, 'invalid_image')
    t.same(storedFiles(), filesBefore, `${what}: no file is left in the data folder`)
    t.equal(await fileRows(), rowsBefore, `${what}: no file row is written`)
  }
  const rowsBefore = await fileRows()
  const nobody = await putAvatar(owner, 999_999, tinyPng(4, 4), 'image/png')
  t.equal(nobody.statusCode, 404, 'a photo for nobody is refused')
  t.equal(await fileRows(), rowsBefore, 'and not kept')

  const accepted = await putAvatar(ola, ola.id, tinyPng(32, 32), 'image/png')
  t.equal(accepted.statusCode, 200, 'a real photo is still taken')
  t.equal(await fileRows(), rowsBefore + 1)
})

t.test('a download is named with the extension of what the file is', async (t) => {
  const disguised = await upload(app, sam, tinyPng(5, 5, [9, 9, 9]), 'holiday.exe', 'application/x-msdownload')
  t.match(disguised, { name: 'holiday.png', mime: 'image/png' }, 'a PNG called holiday.exe is holiday.png')
  const renamed = await upload(app, sam, tinyPng(5, 5, [8, 8, 8]), 'scan', 'image/png')
  t.equal(renamed.name, 'scan.png', 'a name without an extension gets one')
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64)])
  const photo = await upload(app, sam, jpeg, 'Shop front.JPEG', 'image/jpeg')
  t.equal(photo.name, 'Shop front.JPEG', 'a right extension stays as it was written')
  const notes = await upload(app, sam, Buffer.from('milk, eggs'), 'notes.txt', 'text/plain')
  t.equal(notes.name, 'notes.txt', 'a type we do not recognise keeps its name')

  const sent = await send(app, sam, room, 'holiday', {
    attachments: [{ fileId: disguised.id }, { fileId: renamed.id, name: 'summer.exe' }],
  })
  t.same(
    sent.attachments.map((attachment) => attachment.name),
    ['holiday.png', 'summer.png'],
    'the names the Download button uses carry the real extension, a name given when sending too',
  )

  const served = await as(app, sid, 'GET', disguised.url)
  t.equal(served.statusCode, 200)
  t.match(served.headers['content-disposition'], /^inline; filename="holiday\.png"; filename\*=UTF-8''holiday\.png$/)

  // A file stored before names followed their type is still downloaded under the right one.
  await ctx.db.updateTable('file').set({ name: 'old upload.exe' }).where('id', '=', renamed.id).execute()
  const old = await as(app, sid, 'GET', renamed.url)
  t.match(old.headers['content-disposition'], /filename="old upload\.png"/)
  const thumbnail = await as(app, sid, 'GET', `${renamed.url}/thumbnail`)
  t.match(thumbnail.headers['content-disposition'], /filename="thumbnail-old upload\.png"/)

  const avatar = await putAvatar(sid, sid.id, tinyPng(10, 10, [7, 7, 7]), 'image/png')
  const avatarServed = await as(app, sam, 'GET', bodyOf<{ avatarUrl: string }>(avatar).avatarUrl)
  t.match(avatarServed.headers['content-disposition'], /filename="avatar\.png"/, 'a photo downloads as a PNG too')

  const refusedUpload = await uploadRequest(app, sam, Buffer.alloc(0), 'empty.png')
  t.equal(refusedUpload.statusCode, 400, 'an empty upload is still refused')
})
