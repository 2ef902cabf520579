/**
 * Files an info page makes readable: only the images the page shows, uploaded by whoever
 * put them there; and an edit by one manager keeps the pictures another manager added.
 */
import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, tinyPng, upload } from '../helpers/chat'

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [manager, other, staff] = (await Promise.all([
  createMember(app, owner.cookie, { role: 'manager', username: 'mona' }),
  createMember(app, owner.cookie, { role: 'manager', username: 'max' }),
  createMember(app, owner.cookie, { username: 'sam' }),
])) as [SignedInMember, SignedInMember, SignedInMember]

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

async function createPage(author: SignedInMember, title: string, body: string): Promise<number> {
  const response = await as(app, author, 'POST', '/api/pages', { title, body })
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ id: number }>(response).id
}

async function status(member: SignedInMember, fileId: number): Promise<number> {
  return (await as(app, member, 'GET', `/api/files/${fileId}`)).statusCode
}

t.test('a page publishes the images it shows, not files it merely mentions or links', async (t) => {
  const payroll = await upload(app, manager, PDF, 'payroll.pdf', 'application/pdf')
  const chart = await upload(app, manager, tinyPng(8, 8), 'chart.png', 'image/png')
  const mentioned = await upload(app, manager, tinyPng(8, 8, [0, 90, 0]), 'mentioned.png', 'image/png')
  t.equal(await status(staff, payroll.id), 404, 'a fresh upload is private')

  await createPage(
    manager,
    'Procedures',
    [
      `See [the payroll](/api/files/${payroll.id}) and the note /api/files/${mentioned.id}.`,
      `![payroll as an image](/api/files/${payroll.id})`,
      `![chart](/api/files/${chart.id})`,
    ].join('\n\n'),
  )
  t.equal(await status(staff, chart.id), 200, 'the image shown on the page loads for readers')
  t.equal(await status(staff, payroll.id), 404, 'a linked document stays private, even written as an image')
  t.equal(await status(staff, mentioned.id), 404, 'a bare mention of a file publishes nothing')
})

t.test("a page cannot publish someone else's private file", async (t) => {
  const staffPhoto = await upload(app, staff, tinyPng(6, 6, [1, 2, 3]), 'mine.png', 'image/png')
  await createPage(manager, 'Borrowed', `![borrowed](/api/files/${staffPhoto.id})`)
  t.equal(await status(other, staffPhoto.id), 404, 'an image the editor did not upload is not published')
})

t.test('editing a page keeps the images another manager uploaded for it', async (t) => {
  const shelf = await upload(app, manager, tinyPng(10, 10, [40, 40, 200]), 'shelf.png', 'image/png')
  const id = await createPage(manager, 'Shelf layout', `Top shelf:\n\n![shelf](/api/files/${shelf.id})`)
  t.equal(await status(staff, shelf.id), 200)

  const edited = await as(app, other, 'PATCH', `/api/pages/${id}`, {
    body: `Top shelf (updated):\n\n![shelf](/api/files/${shelf.id})`,
  })
  t.equal(edited.statusCode, 200)
  t.equal(await status(staff, shelf.id), 200, "the other manager's edit keeps the picture readable")

  const again = await as(app, other, 'PATCH', `/api/pages/${id}`, { title: 'Shelf layout (winter)' })
  t.equal(again.statusCode, 200)
  t.equal(await status(staff, shelf.id), 200, 'and so does a second edit')

  const dropped = await as(app, other, 'PATCH', `/api/pages/${id}`, { body: 'No picture any more.' })
  t.equal(dropped.statusCode, 200)
  t.equal(await status(staff, shelf.id), 404, 'an image taken out of the page is private again')
})
