/**
 * In chat, owners and managers carry their role beside their name, so a colleague who
 * picks a similar name cannot pass for them. Run after `npm run build:web`.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { createMember, setupOwner } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { createChannel, send } from '../helpers/chat'

t.test('chat shows an Owner and a Manager badge beside their names, and none beside staff', async (t) => {
  if (isChromiumMissing(t)) return
  if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web first)'))
    return
  const { app, base, browser } = await startAppAndBrowser(t, 'badges')
  const owner = await setupOwner(app, { displayName: 'Olivia Owner' })
  const manager = await createMember(app, owner.cookie, {
    role: 'manager',
    username: 'mona',
    displayName: 'Mona Manager',
  })
  const sam = await createMember(app, owner.cookie, { username: 'sam', displayName: 'Sam Shelves' })
  const tom = await createMember(app, owner.cookie, { username: 'tom', displayName: 'Tom Till', role: 'staff' })
  const room = await createChannel(app, manager, 'Front desk', { members: [owner, sam, tom] })
  await send(app, owner, room, 'Please pay the supplier today.')
  await send(app, manager, room, 'Will do after lunch.')
  await send(app, tom, room, 'I can take the delivery.')

  const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
  t.teardown(() => context.close())
  const [name, value] = sam.cookie.split('=') as [string, string]
  await context.addCookies([{ name, value, url: base }])
  const page = await context.newPage()
  await page.goto(`${base}/chat/${room}`)
  await page.locator('.msg-role-badge').first().waitFor()

  const authors = await page.locator('.msg-author').evaluateAll((nodes) => nodes.map((node) => node.textContent))
  t.same(authors, ['Olivia Owner Owner', 'Mona Manager Manager', 'Tom Till'], 'role badges for owner and manager only')
})
