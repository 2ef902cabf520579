/** Shared by the browser tests and screenshot scripts: Debian's Chromium and the built web app. */
import path from 'node:path'

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

export const WEB_ROOT = path.join(import.meta.dirname, '..', '..', 'dist', 'web')
