/** Info pages: who may write them, revisions and restoring, search, and what a wall display sees. */
import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp } from '../helpers/app'
import { as, eventsAfter, lastEventId, pairDisplay, tinyPng, upload } from '../helpers/chat'

const { app, ctx, clock, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager', username: 'mona', displayName: 'Mona Li' })
const staff = await createMember(app, owner.cookie, { username: 'sam' })

interface PageView {
  id: number
  title: string
  section: string
  position: number
  body: string
  showOnWall: boolean
  revisionCount: number
  updatedBy: { id: number } | null
}

interface Revision {
  id: number
  title: string
  createdAt: number
  author: { id: number; displayName: string } | null
  note: string
  body?: string
}

async function createPage(input: { title: string; body: string; section?: string; showOnWall?: boolean }) {
  const response = await as(app, manager, 'POST', '/api/pages', input)
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`)
  return bodyOf<PageView>(response)
}

t.test('staff read pages but cannot write, change, delete or restore them', async (t) => {
  const page = await createPage({ title: 'Opening hours', body: 'Mon–Sat 7:00–18:00' })
  const create = await as(app, staff, 'POST', '/api/pages', { title: 'Mine', body: 'text' })
  t.equal(create.statusCode, 403)
  t.equal(bodyOf(create).code, 'pages_edit_forbidden')
  const patch = await as(app, staff, 'PATCH', `/api/pages/${page.id}`, { body: 'Closed forever' })
  t.equal(patch.statusCode, 403, 'nor change one')
  const remove = await as(app, staff, 'DELETE', `/api/pages/${page.id}`)
  t.equal(remove.statusCode, 403, 'nor delete one')
  const revisions = bodyOf<Revision[]>(await as(app, staff, 'GET', `/api/pages/${page.id}/revisions`))
  const restore = await as(app, staff, 'POST', `/api/pages/${page.id}/revisions/${revisions[0]?.id}/restore`)
  t.equal(restore.statusCode, 403, 'nor restore one')
  const read = await as(app, staff, 'GET', `/api/pages/${page.id}`)
  t.equal(read.statusCode, 200, 'but they read it')
  t.equal(bodyOf<PageView>(read).body, 'Mon–Sat 7:00–18:00')
})

t.test('every change to a page is a revision, and restoring brings old text back as a new one', async (t) => {
  const page = await createPage({ title: 'Wi-Fi', section: 'Shop basics', body: 'Password: rye-and-honey' })
  t.equal(page.revisionCount, 1, 'creating is the first revision')

  clock.advance(60_000)
  const edited = bodyOf<PageView>(
    await as(app, manager, 'PATCH', `/api/pages/${page.id}`, { body: 'Password: sourdough-2027' }),
  )
  t.equal(edited.revisionCount, 2, 'a new body is a revision')
  clock.advance(60_000)
  const renamed = bodyOf<PageView>(await as(app, owner, 'PATCH', `/api/pages/${page.id}`, { title: 'Staff Wi-Fi' }))
  t.equal(renamed.revisionCount, 3, 'so is a new title')

  const list = await as(app, staff, 'GET', `/api/pages/${page.id}/revisions`)
  t.equal(list.statusCode, 200)
  const revisions = bodyOf<Revision[]>(list)
  t.same(
    revisions.map((revision) => [revision.title, revision.author?.displayName]),
    [
      ['Staff Wi-Fi', 'Olive Owner'],
      ['Wi-Fi', 'Mona Li'],
      ['Wi-Fi', 'Mona Li'],
    ],
    'newest first, each with who saved it',
  )
  t.ok((revisions[0]?.createdAt ?? 0) > (revisions[2]?.createdAt ?? 0), 'and when')

  const first = revisions[2] as Revision
  const old = await as(app, staff, 'GET', `/api/pages/${page.id}/revisions/${first.id}`)
  t.equal(bodyOf<Revision>(old).body, 'Password: rye-and-honey', 'any old version can be read')

  const restored = await as(app, manager, 'POST', `/api/pages/${page.id}/revisions/${first.id}/restore`)
  t.equal(restored.statusCode, 200)
  t.match(bodyOf<PageView>(restored), { title: 'Wi-Fi', body: 'Password: rye-and-honey', revisionCount: 4 })
  const after = bodyOf<Revision[]>(await as(app, staff, 'GET', `/api/pages/${page.id}/revisions`))
  t.equal(after.length, 4, 'restoring adds a revision; nothing is lost')
  t.equal(after[0]?.note, `restored:${first.id}`, 'which says where it came from')
  t.equal(after[1]?.title, 'Staff Wi-Fi', 'the replaced version is still there')

  const missing = await as(app, manager, 'POST', `/api/pages/${page.id}/revisions/999999/restore`)
  t.equal(missing.statusCode, 404, 'an unknown revision cannot be restored')
})

t.test('moving a page changes its position without a new revision', async (t) => {
  const a = await createPage({ title: 'Closing up', section: 'How to', body: '1. Ovens off' })
  const b = await createPage({ title: 'Opening up', section: 'How to', body: '1. Lights on' })
  t.ok(b.position > a.position, 'new pages go last')
  const moved = await as(app, manager, 'PATCH', `/api/pages/${b.id}`, { position: 0 })
  t.equal(moved.statusCode, 200)
  t.equal(bodyOf<PageView>(moved).revisionCount, 1, 'no revision for a move')
  const list = bodyOf<PageView[]>(await as(app, staff, 'GET', '/api/pages')).filter((p) => p.section === 'How to')
  t.same(
    list.map((p) => p.title),
    ['Opening up', 'Closing up'],
    'the list follows the positions',
  )
})

t.test('pages are found by search, with kind "page", until deleted', async (t) => {
  const page = await createPage({ title: 'Allergens', body: 'Sesame and walnuts are in the seeded rye.' })
  const search = await as(app, staff, 'GET', '/api/search?q=walnuts')
  t.equal(search.statusCode, 200)
  const hits = bodyOf<{ kind: string; pageId: number | null }[]>(search)
  t.ok(
    hits.some((hit) => hit.kind === 'page' && hit.pageId === page.id),
    'the page is a search hit of kind "page"',
  )

  const since = await lastEventId(ctx)
  t.equal((await as(app, manager, 'DELETE', `/api/pages/${page.id}`)).statusCode, 200)
  t.same(
    (await eventsAfter(ctx, since, 'page.deleted')).map((event) => event.data),
    [{ pageId: page.id }],
    'page.deleted goes out',
  )
  t.equal((await as(app, staff, 'GET', `/api/pages/${page.id}`)).statusCode, 404, 'a deleted page is gone')
  const again = bodyOf<{ kind: string; pageId: number | null }[]>(await as(app, staff, 'GET', '/api/search?q=walnuts'))
  t.notOk(
    again.some((hit) => hit.pageId === page.id),
    'and no longer found',
  )
})

t.test('images in a page are readable by everyone who can read the page', async (t) => {
  const photo = await upload(app, manager, tinyPng(20, 10), 'fridge chart.png', 'image/png')
  t.equal((await as(app, staff, 'GET', `/api/files/${photo.id}`)).statusCode, 404, 'an unattached upload is private')
  await createPage({ title: 'Fridge chart', body: `![fridge chart](/api/files/${photo.id})` })
  t.equal((await as(app, staff, 'GET', `/api/files/${photo.id}`)).statusCode, 200, 'once in a page, staff load it')
})

t.test('a wall display sees only the pages marked for the wall', async (t) => {
  const onWall = await createPage({ title: 'Guest Wi-Fi', body: 'CornerBakery-Guests', showOnWall: true })
  const offWall = await createPage({ title: 'Safe code', body: '4711', showOnWall: false })
  const display = await pairDisplay(app, manager, 'Back wall')

  const list = bodyOf<PageView[]>(await as(app, display, 'GET', '/api/pages'))
  t.same(
    list.map((page) => page.title),
    ['Guest Wi-Fi'],
    'the list has the wall page only',
  )
  t.equal((await as(app, display, 'GET', `/api/pages/${onWall.id}`)).statusCode, 200)
  t.equal((await as(app, display, 'GET', `/api/pages/${offWall.id}`)).statusCode, 404, 'other pages do not exist')
  t.equal((await as(app, display, 'GET', `/api/pages/${offWall.id}/revisions`)).statusCode, 404, 'nor their history')
  const feed = bodyOf<{ pages: PageView[] }>(await as(app, display, 'GET', '/api/wall'))
  t.same(
    feed.pages.map((page) => [page.title, page.body]),
    [['Guest Wi-Fi', 'CornerBakery-Guests']],
    'the wall feed carries the wall pages with their text',
  )
  const wallImage = await upload(app, manager, tinyPng(12, 12), 'wifi.png', 'image/png')
  const safeImage = await upload(app, manager, tinyPng(12, 12, [10, 10, 10]), 'safe.png', 'image/png')
  await as(app, manager, 'PATCH', `/api/pages/${onWall.id}`, {
    body: `CornerBakery-Guests ![wifi](/api/files/${wallImage.id})`,
  })
  await as(app, manager, 'PATCH', `/api/pages/${offWall.id}`, { body: `4711 ![safe](/api/files/${safeImage.id})` })
  t.equal((await as(app, display, 'GET', `/api/files/${wallImage.id}`)).statusCode, 200, 'images of wall pages load')
  t.equal((await as(app, display, 'GET', `/api/files/${safeImage.id}`)).statusCode, 404, 'images of other pages do not')
  t.equal((await as(app, staff, 'GET', `/api/files/${safeImage.id}`)).statusCode, 200, 'staff load both')
  const search = bodyOf<{ pageId: number | null }[]>(await as(app, display, 'GET', '/api/search?q=4711'))
  t.notOk(
    search.some((hit) => hit.pageId === offWall.id),
    'search does not reveal the others',
  )
})
