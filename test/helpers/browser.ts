/** Shared by the browser tests and screenshot scripts: Debian's Chromium and the built web app. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { chromium, type Browser } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { App } from '../../server/shared/app-types'
import type { AppContext } from '../../server/shared/context'

export const CHROMIUM = '/usr/bin/chromium'

/** Headless, and quiet: this machine has no network, and Chromium must not try to reach any. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * True when Chromium is not installed, after accounting for it: outside CI the file is
 * skipped with a note on how to install it; in CI (`CI=true`) a missing browser fails the
 * run, so a browser test can never pass by not running.
 */
export function isChromiumMissing(t: Test): boolean {
  if (fs.existsSync(CHROMIUM)) return false
  const why = `${CHROMIUM} not found (apt-get install -y chromium)`
  if (process.env.CI === 'true') t.fail(`the browser tests must run in CI: ${why}`)
  else t.plan(0, `skipped: ${why}`)
  return true
}

export const WEB_ROOT = path.join(import.meta.dirname, '..', '..', 'dist', 'web')

/**
 * The real app serving the built web app on 127.0.0.1 with a fresh data folder, and Chromium;
 * both closed and the folder removed when the test ends.
 */
export async function startAppAndBrowser(
  t: Test,
  name: string,
): Promise<{ app: App; ctx: AppContext; base: string; browser: Browser }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `backboard-${name}-`))
  const { app, ctx } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    webRoot: WEB_ROOT,
    logger: false,
  })
  let browser: Browser | null = null
  t.teardown(async () => {
    await browser?.close()
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  return { app, ctx, base, browser }
}
