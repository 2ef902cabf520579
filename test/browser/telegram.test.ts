/**
 * The Telegram bridge in the browser, against the loopback Telegram fake: the owner connects
 * the shop's bot by pasting its token, links a Telegram group to a channel and sees the group
 * arrive live; a guest's message from that group shows as a guest in the channel; a member
 * links their own Telegram account, sees the link confirmed live and chooses when to get
 * messages there. Nothing leaves this machine: requests outside the app are refused.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ManualClock } from '../../server/shared/clock'
import { CHROMIUM, isChromiumMissing, CHROMIUM_ARGS, WEB_ROOT } from '../helpers/browser'
import { createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { startTelegramFake } from '../helpers/telegram-fake'

const TOKEN = '7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'
const BOT_USERNAME = 'corner_deli_bot'
const SHOTS = path.join(import.meta.dirname, '..', '..', 'test-results')
const LIVE_MS = 10_000

if (!isChromiumMissing(t)) {
  t.test('the owner connects a bot and links a group; a member links Telegram live and picks a mirror', async (t) => {
    // Privacy mode off, as the page tells the owner to set it: the bot reads every group message.
    const fake = await startTelegramFake({
      token: TOKEN,
      botUsername: BOT_USERNAME,
      botFirstName: 'Corner Deli',
      privacyMode: false,
    })
    // Codes expire by the app's clock and the page compares with the browser's: keep them together.
    const started = await startApp({
      env: { TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: 'silent' },
      webRoot: WEB_ROOT,
      clock: new ManualClock(Date.now()),
      build: { telegramPollTimeoutS: 1 },
    })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await started.close()
      await fake.stop()
    })
    const { app } = started
    const owner = await setupOwner(app, { shopName: 'Corner Deli' })
    const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
    const channel = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { cookie: owner.cookie },
      payload: { kind: 'channel', name: 'deli-counter', isPrivate: false },
    })
    const channelId = (channel.json() as { id: number }).id
    const base = await listen(app)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    fs.mkdirSync(SHOTS, { recursive: true })

    /** Toasts fade by themselves; screenshots should not wait for them. */
    const dismissToasts = async (page: Page) => {
      const dismiss = page.getByRole('button', { name: 'Dismiss' })
      while ((await dismiss.count()) > 0) await dismiss.first().click()
    }

    const pageFor = async (member: SignedInMember): Promise<Page> => {
      const context = await browser!.newContext({ baseURL: base, viewport: { width: 360, height: 740 } })
      // t.me links and anything else outside the app never reach the network.
      await context.route(
        (url) => !url.href.startsWith(base),
        (route) => route.abort(),
      )
      const [name, value] = member.cookie.split('=') as [string, string]
      await context.addCookies([{ name, value, url: base }])
      return context.newPage()
    }

    await t.test('the owner connects the bot by pasting its token', async (t) => {
      const page = await pageFor(owner)
      await page.goto('/telegram')
      const token = page.getByLabel('Bot token')
      await token.fill('12345:not-a-real-token')
      await page.getByRole('button', { name: 'Connect' }).click()
      const refusal = page.getByText('That does not look like a bot token')
      await refusal.waitFor({ timeout: 5000 })
      t.ok(await refusal.isVisible(), 'the server’s refusal shows on the token field')

      await token.fill(TOKEN)
      await page.getByRole('button', { name: 'Connect' }).click()
      await page.getByText(`Connected to @${BOT_USERNAME}`, { exact: true }).waitFor({ timeout: 5000 })
      await page.locator('#telegram-bot').getByText('Corner Deli', { exact: true }).waitFor()
      t.equal(await token.count(), 0, 'the token field is gone once connected')
      const bot = await app.inject({ method: 'GET', url: '/api/telegram/bot', headers: { cookie: owner.cookie } })
      t.match(bot.json(), { isConfigured: true, bot: { username: BOT_USERNAME } })
      t.notMatch(bot.body, TOKEN.split(':')[1]!, 'the token is never sent back')

      // Link a group: the page shows the command, the group sends it, the page updates by itself.
      await page.getByLabel('Channel').selectOption({ label: '#deli-counter' })
      await page.getByRole('button', { name: 'Get a link code' }).click()
      const command = await page.getByLabel(/in a group the bot is already in/).inputValue()
      t.match(command, /^\/link \S+$/, 'the /link command is shown')
      const addLink = await page.getByRole('link', { name: 'Add the bot to a group' }).getAttribute('href')
      t.match(addLink, new RegExp(`^https://t\\.me/${BOT_USERNAME}\\?startgroup=`))
      const group = fake.group({ title: 'Deli crew', type: 'supergroup' })
      fake.user({ id: 4401, first_name: 'Olive' }).in(group).command('link', command.split(' ')[1]!)
      await page.getByTestId('telegram-group').getByText('Deli crew').waitFor({ timeout: LIVE_MS })
      const linked = page.getByText('Deli crew is now linked to #deli-counter.')
      await linked.waitFor()
      t.ok(await linked.isVisible(), 'the linked group appears without reloading')
      await dismissToasts(page)
      await page.screenshot({ path: path.join(SHOTS, 'telegram-settings.png'), fullPage: true })

      // Someone in the group who is not staff shows up in the channel as a guest.
      fake.user({ id: 4402, first_name: 'Marco', last_name: 'Rossi' }).in(group).text('Are you open on Sunday?')
      await page.goto(`/chat/${channelId}`)
      const guestMessage = page.locator('.msg', { hasText: 'Are you open on Sunday?' })
      await guestMessage.waitFor({ timeout: LIVE_MS })
      await guestMessage.getByText('Marco Rossi').waitFor()
      await guestMessage.getByText('Telegram guest').waitFor()
      await guestMessage.getByText('via Telegram').waitFor()
      t.same(
        await Promise.all(
          ['Marco Rossi', 'Telegram guest', 'via Telegram'].map((text) => guestMessage.getByText(text).isVisible()),
        ),
        [true, true, true],
        'a guest’s message shows their Telegram name, the guest badge and "via Telegram"',
      )
      await page.screenshot({ path: path.join(SHOTS, 'telegram-chat.png') })
    })

    await t.test('a member links their Telegram account and sees it confirmed live', async (t) => {
      const page = await pageFor(sam)
      await page.goto('/account')
      const section = page.locator('#telegram')
      await section.getByRole('button', { name: 'Link Telegram' }).click()
      const url = await section.getByRole('link', { name: 'Open Telegram' }).getAttribute('href')
      const match = new RegExp(`^https://t\\.me/${BOT_USERNAME}\\?start=([A-Za-z0-9_-]+)$`).exec(url ?? '')
      t.ok(match, `the link opens the bot with a start code (${url})`)
      await section.getByRole('img', { name: /QR code/ }).waitFor({ timeout: 5000 })
      await section.screenshot({ path: path.join(SHOTS, 'telegram-account-link.png') })

      fake.user({ id: 5501, first_name: 'Sam', last_name: 'B', username: 'sam_bakes' }).start(match![1]!)
      await section.getByText('Linked to Sam B').waitFor({ timeout: LIVE_MS })
      await section.getByText(/@sam_bakes/).waitFor()
      t.ok(
        await section.getByText('Linked to Sam B').isVisible(),
        'the page shows the link once the bot confirms it, without reloading',
      )

      const away = section.getByRole('radio', { name: /Only when I’m away/ })
      t.equal(await away.isChecked(), true, '"only when I’m away" is the default')
      const never = section.getByRole('radio', { name: /Never/ })
      // Clear of the tab bar that floats over the bottom of the screen.
      await never.evaluate((radio) => radio.scrollIntoView({ block: 'center' }))
      await never.check()
      await page.getByText('Telegram setting saved.').waitFor({ timeout: 5000 })
      const mine = await app.inject({ method: 'GET', url: '/api/telegram/me', headers: { cookie: sam.cookie } })
      t.match(mine.json(), { link: { telegramUsername: 'sam_bakes' }, mirror: 'never' })
      await page.reload()
      await section.getByRole('radio', { name: /Never/ }).waitFor()
      t.equal(await section.getByRole('radio', { name: /Never/ }).isChecked(), true, 'the choice is kept')
      await dismissToasts(page)
      await section.screenshot({ path: path.join(SHOTS, 'telegram-account.png') })
    })

    await t.test('the owner sees the member counted as linked', async (t) => {
      const page = await pageFor(owner)
      await page.goto('/telegram')
      const counted = page.getByText('1 person', { exact: true })
      await counted.waitFor({ timeout: 5000 })
      t.equal(await counted.count(), 1, 'linked staff: 1 person')
    })

    t.same(fake.violations, [], "Telegram's rate limits held throughout")
  })
}
