/**
 * Words and small screens, in a real browser against the built app: what people are told
 * when they are signed out, when a link is used up, on an empty shop and a missing page,
 * and what the notice form and the directory offer. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { bodyOf, createMember, nextAddress, setupOwner } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { as, openDirect } from '../helpers/chat'

const PHONE = { width: 360, height: 740 }

async function phonePage(browser: Browser, base: string, cookie?: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: PHONE, isMobile: true, hasTouch: true })
  if (cookie) {
    const [name = '', value = ''] = cookie.split(/=(.*)/s)
    await context.addCookies([{ name, value, url: base }])
  }
  return context.newPage()
}

if (!isChromiumMissing(t)) {
  t.test('words on a phone: signed out, used up, empty and missing', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { app, base, browser } = await startAppAndBrowser(t, 'words')
    const owner = await setupOwner(app, { displayName: 'Olivia Owner', username: 'olivia' })

    // The owner alone: a quiet board link and an Invite button on the empty team card.
    const home = await phonePage(browser, base, owner.cookie)
    await home.goto('/')
    await home.getByText('Nobody else is here yet').waitFor()
    await home.getByText('Nothing pinned right now').waitFor()
    t.match(
      (await home.getByTestId('board-callout').getAttribute('class')) ?? '',
      /callout-quiet/,
      'an empty board is not styled as an alert',
    )
    t.equal(
      await home.locator('#team').getByRole('link', { name: 'Invite', exact: true }).getAttribute('href'),
      '/members?invite=1',
      'the empty team card has an Invite button',
    )

    // A missing page says so once.
    await home.goto('/no-such-page')
    await home.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor()
    t.equal(await home.getByText('Page not found', { exact: true }).count(), 1, 'the heading is not shown twice')

    // The new-notice form asks before throwing work away, and takes you to what to fix.
    await home.goto('/board/new')
    await home.getByLabel('Title').waitFor()
    await home.getByRole('button', { name: 'Post notice' }).click()
    await home.getByText(/title/i).first().waitFor()
    t.equal(
      await home.evaluate(() => (document.activeElement as HTMLInputElement | null)?.getAttribute('aria-invalid')),
      'true',
      'after a failed submit focus is on the invalid field',
    )
    await home.getByLabel('Title').fill('Deep clean on Sunday')
    await home.getByRole('button', { name: 'Cancel' }).click()
    const ask = home.getByRole('dialog', { name: 'Discard this notice?' })
    await ask.waitFor()
    await ask.getByRole('button', { name: 'Cancel' }).click()
    t.equal(await home.getByLabel('Title').inputValue(), 'Deep clean on Sunday', 'keeping the notice keeps the title')

    // A colleague: the directory offers Message for them and no call buttons on my own entry.
    const maria = await createMember(app, owner.cookie, { displayName: 'Maria Santos', username: 'maria' })
    await as(app, owner, 'PATCH', `/api/members/${owner.id}`, { phone: '+44 7700 900001' })
    await as(app, maria, 'PATCH', `/api/members/${maria.id}`, { phone: '+44 7700 900123' })
    await home.goto('/directory')
    const mine = home.getByTestId('directory-entry').filter({ hasText: 'Olivia Owner' })
    const hers = home.getByTestId('directory-entry').filter({ hasText: 'Maria Santos' })
    await hers.waitFor()
    t.equal(await mine.getByRole('link', { name: /Call|text message/ }).count(), 0, 'no call or text on my own entry')
    t.equal(await hers.getByRole('link', { name: 'Call Maria Santos' }).count(), 1, 'a colleague can be called')
    await hers.getByRole('button', { name: 'Message Maria Santos in Backboard' }).click()
    await home.waitForURL(/\/chat\/\d+$/)
    await home.getByText('This is the start of your conversation with Maria Santos.').waitFor()
    t.pass('Message opens the direct conversation, which says whose it is')

    // A used-up invite says so.
    const invite = bodyOf<{ code: string }>(
      await as(app, owner, 'POST', '/api/invites', { role: 'staff', expiresInHours: 24, maxUses: 1 }),
    )
    const joined = await app.inject({
      method: 'POST',
      url: '/api/join',
      remoteAddress: nextAddress(),
      payload: { code: invite.code, displayName: 'Tom Becker', username: 'tom', password: 'stock room shelves' },
    })
    t.equal(joined.statusCode, 201)
    const stranger = await phonePage(browser, base)
    const consoleErrors: string[] = []
    stranger.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
    const refused: string[] = []
    stranger.on('response', (response) => {
      if (response.status() === 401) refused.push(new URL(response.url()).pathname)
    })
    await stranger.goto(`/join/${invite.code}`)
    await stranger.getByRole('heading', { level: 1, name: 'This link has been used up' }).waitFor()
    t.equal(await stranger.getByText('This link has been used up').count(), 1, 'said once, and not "expired"')
    await stranger.goto('/login')
    await stranger.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    t.same(refused, [], 'a signed-out browser is never answered 401')
    // The used-up link's own answer (410) is the only error the console shows.
    t.same(
      consoleErrors.filter((text) => !text.includes('status of 410')),
      [],
      'signed-out pages log no other error',
    )

    // A member deactivated while the app is open is told why they were signed out.
    await openDirect(app, owner, [maria])
    const hersOpen = await phonePage(browser, base, maria.cookie)
    await hersOpen.goto('/')
    await hersOpen.waitForFunction(() => document.documentElement.dataset.live === 'open')
    const deactivated = await as(app, owner, 'POST', `/api/members/${maria.id}/deactivate`)
    t.equal(deactivated.statusCode, 200)
    await hersOpen.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    await hersOpen.getByText(/a manager has deactivated your account/).waitFor()
    t.pass('the deactivated member is told why')
  })
}
