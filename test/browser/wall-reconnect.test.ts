/**
 * The README promises that the wall looks after itself: after a server restart it reconnects
 * and shows what was posted meanwhile, and when a new version of the web app is deployed it
 * reloads itself. Both in Chromium, against the real server stopped and started again on the
 * same address and data folder.
 */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { App } from '../../server/shared/app-types'
import { setupOwner } from '../helpers/app'
import { as, newClientKey, pairDisplay } from '../helpers/chat'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'

const LIVE_MS = 20_000

if (!isChromiumMissing(t)) {
  t.test('the wall reconnects after a server restart and reloads itself on a new version', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-wall-restart-'))
    // A second copy of the web app whose index.html differs: a new version to deploy.
    const newWebRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-web-next-'))
    fs.cpSync(WEB_ROOT, newWebRoot, { recursive: true })
    const index = path.join(newWebRoot, 'index.html')
    fs.writeFileSync(
      index,
      fs.readFileSync(index, 'utf8').replace('</head>', '<meta name="backboard-build" content="next"></head>'),
    )
    // The build's compressed copies are of the old page: drop them, the page goes as it is.
    for (const copy of [`${index}.br`, `${index}.gz`]) fs.rmSync(copy, { force: true })
    let app: App | null = null
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await app?.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
      fs.rmSync(newWebRoot, { recursive: true, force: true })
    })
    let port = 0
    async function start(webRoot: string): Promise<App> {
      const built = await buildApp({ config: loadConfig({ DATA_DIR: dataDir }), webRoot, logger: false })
      await built.app.listen({ host: '127.0.0.1', port })
      port = (built.app.server.address() as AddressInfo).port
      return built.app
    }

    app = await start(WEB_ROOT)
    const owner = await setupOwner(app)
    const display = await pairDisplay(app, owner)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const context = await browser.newContext({
      baseURL: `http://127.0.0.1:${port}`,
      viewport: { width: 1280, height: 720 },
    })
    const [name, value] = display.cookie.split('=') as [string, string]
    await context.addCookies([{ name, value, url: `http://127.0.0.1:${port}` }])
    const wall = await context.newPage()
    await wall.goto('/wall')
    await wall.locator('html[data-live="open"]').waitFor({ timeout: LIVE_MS })
    await wall.evaluate(() => {
      ;(window as unknown as { marker?: string }).marker = 'first load'
    })
    const marker = () => wall.evaluate(() => (window as unknown as { marker?: string }).marker ?? null)

    // 1. The server restarts (same version): the wall reconnects without reloading.
    await app.close()
    await wall.locator('html:not([data-live="open"])').waitFor({ timeout: LIVE_MS })
    app = await start(WEB_ROOT)
    const during = await as(app, owner, 'POST', '/api/notices', {
      title: 'Posted after the restart',
      body: '',
      clientKey: newClientKey('restart'),
    })
    t.equal(during.statusCode, 201)
    await wall.getByText('Posted after the restart').waitFor({ timeout: LIVE_MS })
    t.equal(await marker(), 'first load', 'the wall reconnected by itself and did not reload')

    // 2. A new version is deployed: the wall reloads itself once it reconnects.
    await app.close()
    await wall.locator('html:not([data-live="open"])').waitFor({ timeout: LIVE_MS })
    app = await start(newWebRoot)
    await wall.waitForFunction(() => (window as unknown as { marker?: string }).marker === undefined, undefined, {
      timeout: LIVE_MS,
    })
    t.equal(await marker(), null, 'the wall reloaded itself for the new version')
    await wall.locator('html[data-live="open"]').waitFor({ timeout: LIVE_MS })
    t.equal(
      await wall.evaluate(
        () => document.querySelector('meta[name="backboard-build"]')?.getAttribute('content') ?? null,
      ),
      'next',
      'and runs the new version',
    )
    await wall.getByText('Posted after the restart').waitFor({ timeout: LIVE_MS })
  })
}
