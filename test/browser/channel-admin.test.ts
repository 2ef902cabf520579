/** A channel's admin manages it from the people dialog: rename, remove someone, archive. */
import t from 'tap'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM, isChromiumMissing, CHROMIUM_ARGS, WEB_ROOT } from '../helpers/browser'
import { createMember, setupOwner, startApp } from '../helpers/app'

if (!isChromiumMissing(t)) {
  t.test('the channel admin renames the channel, removes a person and archives it', async (t) => {
    const started = await startApp({ webRoot: WEB_ROOT })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await started.close()
    })
    const owner = await setupOwner(started.app)
    const sam = await createMember(started.app, owner.cookie, { displayName: 'Sam Baker' })
    const created = await started.app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { cookie: owner.cookie },
      payload: { kind: 'channel', name: 'ovens', isPrivate: true, memberIds: [sam.id] },
    })
    const channelId = (created.json() as { id: number }).id
    const base = await started.app.listen({ host: '127.0.0.1', port: 0 })

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const context = await browser.newContext({ baseURL: base, viewport: { width: 360, height: 740 } })
    const [name, value] = owner.cookie.split('=') as [string, string]
    await context.addCookies([{ name, value, url: base }])
    const page = await context.newPage()
    await page.goto(`/chat/${channelId}`)

    await page.getByRole('button', { name: /People in/ }).click()
    await page.getByLabel('Channel name').fill('ovens-and-proving')
    await page.getByLabel(/What it is for/).fill('Temperatures, timings, faults')
    await page.getByRole('button', { name: 'Save name and topic' }).click()
    await page.getByRole('heading', { name: 'ovens-and-proving' }).waitFor({ timeout: 5000 })
    const renamed = await started.app.inject({
      method: 'GET',
      url: `/api/conversations/${channelId}`,
      headers: { cookie: owner.cookie },
    })
    t.match(renamed.json(), { name: 'ovens-and-proving', topic: 'Temperatures, timings, faults' })

    await page.getByRole('button', { name: /People in/ }).click()
    await page.getByRole('button', { name: 'Remove Sam Baker from the channel' }).click()
    await page.getByRole('button', { name: 'Remove', exact: true }).click()
    await page.getByText('Sam Baker was removed.').waitFor({ timeout: 5000 })
    const forSam = await started.app.inject({
      method: 'GET',
      url: `/api/conversations/${channelId}/messages`,
      headers: { cookie: sam.cookie },
    })
    t.equal(forSam.statusCode, 404, 'Sam no longer sees the private channel')

    await page.getByRole('button', { name: /People in/ }).click()
    await page.getByRole('button', { name: 'Archive channel' }).click()
    await page
      .getByRole('dialog', { name: /^Archive #/ })
      .getByRole('button', { name: 'Archive channel' })
      .click()
    await page.getByText('Channel archived.').waitFor({ timeout: 5000 })
    const archived = await started.app.inject({
      method: 'GET',
      url: `/api/conversations/${channelId}`,
      headers: { cookie: owner.cookie },
    })
    t.equal((archived.json() as { isArchived: boolean }).isArchived, true)
  })
}
