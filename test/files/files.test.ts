import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import t from 'tap'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import {
  as,
  boardIdOf,
  createChannel,
  pairDisplay,
  send,
  sendRequest,
  tinyPng,
  upload,
  uploadRequest,
  type UploadedFile,
} from '../helpers/chat'

const { app, ctx, dataDir, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const [sam, sid, ola] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
  createMember(app, owner.cookie, { username: 'ola' }),
])) as [SignedInMember, SignedInMember, SignedInMember]
const room = await createChannel(app, owner, 'back-room', { isPrivate: true, members: [sam, sid] })
const boardId = await boardIdOf(app, owner)
const filesDir = path.join(dataDir, 'files')

const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex')

function getFile(member: SignedInMember, url: string, headers: Record<string, string> = {}) {
  return as(app, member, 'GET', url, undefined, headers)
}

/** Every stored blob (not the temporary folder). */
function storedBlobs(): string[] {
  if (!fs.existsSync(filesDir)) return []
  return fs
    .readdirSync(filesDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.endsWith(`${path.sep}tmp`))
    .map((entry) => entry.name)
}

function tmpFiles(): string[] {
  const tmp = path.join(filesDir, 'tmp')
  return fs.existsSync(tmp) ? fs.readdirSync(tmp) : []
}

async function fileRows(): Promise<number> {
  const row = await ctx.db
    .selectFrom('file')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function uploadBytesOf(member: SignedInMember): Promise<number> {
  const row = await ctx.db
    .selectFrom('member')
    .select('upload_bytes')
    .where('id', '=', member.id)
    .executeTakeFirstOrThrow()
  return row.upload_bytes
}

async function setShop(values: { max_file_mb?: number; member_quota_mb?: number }) {
  await ctx.db.updateTable('shop').set(values).execute()
}

t.test('an upload is stored under DATA_DIR/files by its sha256 and a real PNG gets its type and size', async (t) => {
  const png = tinyPng(3, 2)
  const response = await uploadRequest(app, sam, png, 'Shelf photo.png', 'image/png')
  t.equal(response.statusCode, 201)
  const file = bodyOf<UploadedFile>(response)
  t.match(file, { name: 'Shelf photo.png', mime: 'image/png', kind: 'image', size: png.length, width: 3, height: 2 })
  t.equal(file.url, `/api/files/${file.id}`)
  const hash = sha256(png)
  const blob = path.join(filesDir, hash.slice(0, 2), hash)
  t.ok(fs.existsSync(blob), 'the blob is named by its hash')
  t.same(fs.readFileSync(blob), png, 'byte for byte')
  const row = await ctx.db.selectFrom('file').selectAll().where('id', '=', file.id).executeTakeFirstOrThrow()
  t.equal(row.sha256, hash)
  t.same(tmpFiles(), [], 'no temporary file is left behind')

  const served = await getFile(sam, file.url)
  t.equal(served.statusCode, 200)
  t.equal(served.headers['content-type'], 'image/png')
  t.match(served.headers['content-disposition'], /^inline; filename="Shelf photo.png"/)
  t.equal(served.headers['x-content-type-options'], 'nosniff')
  t.match(served.headers['content-security-policy'], /sandbox/)
  t.same(served.rawPayload, png)

  const again = await upload(app, sid, png, 'same.png')
  t.not(again.id, file.id, 'the same bytes from someone else are a new file record')
  t.equal(storedBlobs().filter((name) => name === hash).length, 1, 'but stored once')
})

t.test('the type comes from the bytes: HTML named photo.jpg is served as an octet-stream download', async (t) => {
  const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>')
  const file = await upload(app, sam, html, 'photo.jpg', 'image/jpeg')
  t.match(file, { mime: 'application/octet-stream', kind: 'file', width: null, height: null })
  for (const member of [sam]) {
    const served = await getFile(member, file.url)
    t.equal(served.statusCode, 200)
    t.equal(served.headers['content-type'], 'application/octet-stream')
    t.match(served.headers['content-disposition'], /^attachment;/)
    t.equal(served.headers['x-content-type-options'], 'nosniff')
    t.match(served.headers['content-security-policy'], /(^|;\s*)sandbox(;|$)/)
    t.notMatch(String(served.headers['content-type']), /html/)
  }
  for (const [name, bytes] of [
    ['logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    ['page.png', '<html><script>1</script>'],
    ['script.gif', 'alert(1)//'],
  ] as const) {
    const other = await upload(app, sam, Buffer.from(bytes), name, 'image/svg+xml')
    t.equal(other.mime, 'application/octet-stream', `${name} is not trusted by its name or content-type`)
    const served = await getFile(sam, other.url)
    t.equal(served.headers['content-type'], 'application/octet-stream')
    t.match(served.headers['content-disposition'], /^attachment;/)
  }
  const thumb = await getFile(sam, `${file.url}/thumbnail`)
  t.equal(thumb.statusCode, 404, 'a non-image without a thumbnail has none')
  t.equal(bodyOf(thumb).code, 'file_not_found')
})

t.test('Range requests: a slice is 206, a suffix works, an unsatisfiable range is 416', async (t) => {
  const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i))
  const file = await upload(app, sam, bytes, 'data.bin')
  const first = await getFile(sam, file.url, { range: 'bytes=0-9' })
  t.equal(first.statusCode, 206)
  t.equal(first.headers['content-range'], 'bytes 0-9/100')
  t.equal(first.headers['content-length'], '10')
  t.same(first.rawPayload, bytes.subarray(0, 10))
  t.equal(first.headers['accept-ranges'], 'bytes')

  const middle = await getFile(sam, file.url, { range: 'bytes=50-' })
  t.equal(middle.statusCode, 206)
  t.equal(middle.headers['content-range'], 'bytes 50-99/100')
  t.same(middle.rawPayload, bytes.subarray(50))

  const suffix = await getFile(sam, file.url, { range: 'bytes=-5' })
  t.equal(suffix.statusCode, 206)
  t.equal(suffix.headers['content-range'], 'bytes 95-99/100')
  t.same(suffix.rawPayload, bytes.subarray(95))

  const pastEnd = await getFile(sam, file.url, { range: 'bytes=90-1000' })
  t.equal(pastEnd.statusCode, 206, 'an end past the file is clipped')
  t.equal(pastEnd.headers['content-range'], 'bytes 90-99/100')

  for (const range of ['bytes=100-', 'bytes=500-600', 'bytes=9-3', 'bytes=abc', 'items=0-1', 'bytes=-0']) {
    const response = await getFile(sam, file.url, { range })
    t.equal(response.statusCode, 416, range)
    t.equal(response.headers['content-range'], 'bytes */100')
  }
  const whole = await getFile(sam, file.url)
  t.equal(whole.statusCode, 200)
  t.equal(whole.headers['content-length'], '100')
})

t.test('an attached file is served only to members of its conversation', async (t) => {
  const png = tinyPng(4, 4, [0, 120, 0])
  const file = await upload(app, sam, png, 'receipt.png')
  const beforeAttach = await getFile(sid, file.url)
  t.equal(beforeAttach.statusCode, 404, 'an unattached upload is private to its uploader')
  t.equal(bodyOf(beforeAttach).code, 'file_not_found')

  const message = await send(app, sam, room, 'receipt for the float', { attachments: [{ fileId: file.id }] })
  t.match(message.attachments, [
    { kind: 'image', fileId: file.id, url: file.url, mime: 'image/png', width: 4, height: 4 },
  ])
  t.equal((await getFile(sid, file.url)).statusCode, 200, 'a member of the conversation may read it')
  for (const url of [file.url, `${file.url}/thumbnail`]) {
    const outsider = await getFile(ola, url)
    t.equal(outsider.statusCode, 404, `${url} for someone outside the conversation`)
    t.equal(bodyOf(outsider).code, 'file_not_found')
  }
  const ranged = await getFile(ola, file.url, { range: 'bytes=0-3' })
  t.equal(ranged.statusCode, 404, 'a range request does not get round it')
  const missing = await getFile(sam, '/api/files/999999')
  t.equal(missing.statusCode, 404)
  t.equal(bodyOf(missing).code, 'file_not_found')

  await as(app, owner, 'DELETE', `/api/conversations/${room}/members/${sid.id}`)
  t.equal((await getFile(sid, file.url)).statusCode, 404, 'leaving the conversation ends access')
  await as(app, owner, 'POST', `/api/conversations/${room}/members`, { memberIds: [sid.id] })
})

t.test('a wall display gets 404 for a file in a channel, and sees board attachments', async (t) => {
  const display = await pairDisplay(app, owner)
  const inRoom = await upload(app, sam, tinyPng(2, 3), 'private.png')
  await send(app, sam, room, 'not for the wall', { attachments: [{ fileId: inRoom.id }] })
  for (const url of [inRoom.url, `${inRoom.url}/thumbnail`]) {
    const response = await getFile(display, url)
    t.equal(response.statusCode, 404, `${url} for the display`)
    t.equal(bodyOf(response).code, 'file_not_found')
  }
  const onBoard = await upload(app, owner, tinyPng(3, 2), 'poster.png')
  await send(app, owner, boardId, 'New poster', { attachments: [{ fileId: onBoard.id }] })
  const shown = await getFile(display, onBoard.url)
  t.equal(shown.statusCode, 200, 'the board is what the wall shows')
  t.equal(shown.headers['content-type'], 'image/png')
  const uploadByDisplay = await uploadRequest(app, display, tinyPng(1, 1), 'wall.png')
  t.equal(uploadByDisplay.statusCode, 403, 'a display cannot upload')
  t.equal(bodyOf(uploadByDisplay).code, 'read_only')
})

t.test("attaching someone else's upload is 400 invalid_attachment", async (t) => {
  const file = await upload(app, sam, tinyPng(1, 1), 'mine.png')
  const response = await sendRequest(app, sid, room, 'look', { attachments: [{ fileId: file.id }] })
  t.equal(response.statusCode, 400)
  t.equal(bodyOf(response).code, 'invalid_attachment')
  const thumbOfOther = await upload(app, sid, tinyPng(1, 1), 'mine-too.png')
  const badThumb = await sendRequest(app, sam, room, 'look', {
    attachments: [{ fileId: file.id, thumbnailFileId: thumbOfOther.id }],
  })
  t.equal(badThumb.statusCode, 400)
  t.equal(bodyOf(badThumb).code, 'invalid_thumbnail')
  const notImage = await upload(app, sam, Buffer.from('plain text'), 'notes.txt')
  const textThumb = await sendRequest(app, sam, room, 'look', {
    attachments: [{ fileId: file.id, thumbnailFileId: notImage.id }],
  })
  t.equal(textThumb.statusCode, 400)
  t.equal(bodyOf(textThumb).code, 'invalid_thumbnail')
  t.equal((await getFile(sid, file.url)).statusCode, 404, 'nothing was attached')
})

t.test('thumbnails: /api/files/:id/thumbnail serves the linked thumbnail, or the image itself', async (t) => {
  const video = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), crypto.randomBytes(2000)])
  const file = await upload(app, sam, video, 'till-demo.mp4')
  t.match(file, { mime: 'video/mp4', kind: 'video' })
  const poster = tinyPng(8, 6, [10, 20, 30])
  const thumb = await upload(app, sam, poster, 'poster.png')
  const message = await send(app, sam, room, 'how to close the till', {
    attachments: [{ fileId: file.id, thumbnailFileId: thumb.id }],
  })
  t.equal(message.attachments[0]?.thumbnailUrl, `${file.url}/thumbnail`)
  const served = await getFile(sid, `${file.url}/thumbnail`)
  t.equal(served.statusCode, 200)
  t.equal(served.headers['content-type'], 'image/png')
  t.same(served.rawPayload, poster, 'the linked thumbnail, not the video')
  t.match(served.headers['content-disposition'], /filename="thumbnail-till-demo.png"/, 'named for what it is: a PNG')
  t.equal((await getFile(sid, thumb.url)).statusCode, 200, "the thumbnail is readable through its parent's message")
  t.equal((await getFile(ola, thumb.url)).statusCode, 404, 'but not by outsiders')

  const photo = await upload(app, sam, tinyPng(5, 5), 'photo.png')
  await send(app, sam, room, 'photo', { attachments: [{ fileId: photo.id }] })
  const own = await getFile(sid, `${photo.url}/thumbnail`)
  t.equal(own.statusCode, 200)
  t.same(own.rawPayload, tinyPng(5, 5), 'an image without a thumbnail is its own thumbnail')
})

t.test('an upload over the size limit is 413 file_too_large and nothing is stored', async (t) => {
  await setShop({ max_file_mb: 1 })
  t.teardown(() => setShop({ max_file_mb: 25 }))
  const blobs = storedBlobs()
  const rows = await fileRows()
  const used = await uploadBytesOf(sam)
  const big = crypto.randomBytes(1.5 * 1024 * 1024)

  const declared = await uploadRequest(app, sam, big, 'big.bin')
  t.equal(declared.statusCode, 413)
  t.equal(bodyOf(declared).code, 'file_too_large')
  t.same(bodyOf(declared).details, { limitMb: 1 })

  const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(`${baseUrl}/api/files?name=streamed.bin`, {
      method: 'POST',
      headers: { cookie: sam.cookie, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    })
    request.on('response', (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on('error', reject)
    let offset = 0
    const pump = () => {
      while (offset < big.length) {
        const chunk = big.subarray(offset, offset + 64 * 1024)
        offset += chunk.length
        if (!request.write(chunk)) return void request.once('drain', pump)
      }
      request.end()
    }
    pump()
  }).catch((error: Error) => ({ status: -1, body: error.message }))
  t.equal(streamed.status, 413, 'without a Content-Length the limit is enforced while streaming')
  t.match(streamed.body, /file_too_large/)

  t.same(storedBlobs(), blobs, 'no blob was stored')
  t.same(tmpFiles(), [], 'no temporary file is left')
  t.equal(await fileRows(), rows, 'no file row')
  t.equal(await uploadBytesOf(sam), used, 'the quota is untouched')
  const fits = await uploadRequest(app, sam, crypto.randomBytes(512 * 1024), 'half.bin')
  t.equal(fits.statusCode, 201, 'a file under the limit still uploads')
})

t.test('an upload past the member quota is 413 quota_exceeded and nothing is stored', async (t) => {
  const quotaMember = await createMember(app, owner.cookie, { username: 'quinn' })
  await setShop({ member_quota_mb: 1 })
  t.teardown(() => setShop({ member_quota_mb: 2048 }))
  const first = await uploadRequest(app, quotaMember, crypto.randomBytes(600 * 1024), 'one.bin')
  t.equal(first.statusCode, 201)
  t.equal(await uploadBytesOf(quotaMember), 600 * 1024)
  const blobs = storedBlobs()
  const rows = await fileRows()
  const second = await uploadRequest(app, quotaMember, crypto.randomBytes(600 * 1024), 'two.bin')
  t.equal(second.statusCode, 413)
  t.equal(bodyOf(second).code, 'quota_exceeded')
  t.same(storedBlobs(), blobs, 'no blob was stored')
  t.same(tmpFiles(), [])
  t.equal(await fileRows(), rows)
  t.equal(await uploadBytesOf(quotaMember), 600 * 1024)
  const small = await uploadRequest(app, quotaMember, crypto.randomBytes(100 * 1024), 'three.bin')
  t.equal(small.statusCode, 201, 'what still fits is accepted')
})

t.test('bad uploads get a clear 4xx', async (t) => {
  const empty = await uploadRequest(app, sam, Buffer.alloc(0), 'empty.txt')
  t.equal(empty.statusCode, 400)
  t.equal(bodyOf(empty).code, 'empty_file')
  const longName = await uploadRequest(app, sam, Buffer.from('x'), 'n'.repeat(300))
  t.equal(longName.statusCode, 400)
  t.equal(bodyOf(longName).code, 'invalid_request')
  const unknownQuery = await app.inject({
    method: 'POST',
    url: '/api/files?name=a.txt&evil=1',
    headers: { cookie: sam.cookie, 'content-type': 'text/plain' },
    payload: 'x',
  })
  t.equal(unknownQuery.statusCode, 400)
  t.equal(bodyOf(unknownQuery).code, 'invalid_request')
  const anonymous = await app.inject({ method: 'POST', url: '/api/files?name=a.txt', payload: 'x' })
  t.equal(anonymous.statusCode, 401)
  t.equal(bodyOf(anonymous).code, 'unauthorized')
  const badId = await getFile(sam, '/api/files/abc')
  t.equal(badId.statusCode, 400)
  t.equal(bodyOf(badId).code, 'invalid_request')
  t.same(tmpFiles(), [])
})

t.test('HTML and markdown in file names are made harmless and never come back as HTML', async (t) => {
  const name = '<img src=x onerror=alert(1)>**bold**"quote".png'
  const file = await upload(app, sam, tinyPng(1, 1), name)
  t.notMatch(file.name, /[<>"]/, 'angle brackets and quotes are replaced')
  t.equal(file.name, '_img src=x onerror=alert(1)_bold_quote_.png')
  const message = await send(app, sam, room, '**see** <b>this</b>', {
    attachments: [{ fileId: file.id, name: '<script>alert(1)</script>[x](javascript:1).png' }],
  })
  t.equal(message.body, '**see** <b>this</b>', 'the body is kept verbatim')
  t.notMatch(message.attachments[0]?.name ?? '', /[<>]/)
  t.match(message.attachments[0]?.name, /\[x\]\(javascript_1\)\.png$/, 'markdown stays as plain text')
  const history = await as(app, sid, 'GET', `/api/conversations/${room}/messages`)
  t.match(history.headers['content-type'], /^application\/json/)
  const served = await getFile(sid, file.url)
  t.notMatch(served.headers['content-disposition'], /[<>]/)
  const last = bodyOf<{ messages: MessageView[] }>(history).messages.at(-1)
  t.equal(last?.id, message.id)
})
