/**
 * The README promises that session cookies, passwords and the Telegram bot token never reach
 * the log. The app runs with its own logger at the most verbose level, writing to a buffer
 * that is then searched for each secret, through sign-in, signed-in requests and connecting a
 * bot through a misconfigured proxy that echoes the path it was asked for (the token is part
 * of every Bot API path) in its error page.
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import { login, OWNER_PASSWORD, setupOwner, START_TIME } from '../helpers/app'
import { as } from '../helpers/chat'

const TOKEN = '7000009:AAHsecretPartOfTheBotTokenNeverLogged_q'

t.test('cookies, passwords and the bot token never appear in the log, even at trace level', async (t) => {
  // A stand-in for Telegram that answers like it until `isBroken`, then like a misconfigured
  // proxy, echoing the path it was asked for in an HTML error page.
  const asked: string[] = []
  let isBroken = false
  const proxy = http.createServer((request, response) => {
    asked.push(request.url ?? '')
    if (isBroken) {
      response.writeHead(502, { 'content-type': 'text/html' }).end(`<pre>Cannot POST ${request.url}</pre>`)
      return
    }
    const method = (request.url ?? '').split('/').at(-1)
    const result =
      method === 'getMe'
        ? { id: 7000009, is_bot: true, first_name: 'Log Check', username: 'log_check_bot' }
        : method === 'getUpdates'
          ? []
          : true
    const answer = () =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }))
    // A long poll waits a little, as Telegram's does, so the poller does not spin.
    if (method === 'getUpdates') setTimeout(answer, 200)
    else answer()
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => proxy.close(() => resolve())))
  const apiRoot = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`

  const lines: string[] = []
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-logs-'))
  const { app } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'trace', TELEGRAM_API_ROOT: apiRoot }),
    clock: new ManualClock(START_TIME),
    telegramPollTimeoutS: 1,
    logStream: { write: (line) => void lines.push(line) },
  })
  t.teardown(async () => {
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  await app.ready()

  const owner = await setupOwner(app)
  const signedIn = await login(app, owner)
  t.equal(signedIn.statusCode, 200)
  const cookies = [owner.cookie, ...signedIn.cookies.map((c) => `${c.name}=${c.value}`)]
  t.equal((await as(app, owner, 'GET', '/api/me')).statusCode, 200)
  const wrong = await login(app, { username: owner.username, password: 'not the password at all' })
  t.equal(wrong.statusCode, 401)

  const connected = await as(app, owner, 'PUT', '/api/telegram/bot', { token: TOKEN })
  t.equal(connected.statusCode, 200, 'the bot connects')
  isBroken = true
  t.ok(await waitFor(() => lines.some((line) => line.includes('Cannot POST'))), 'the polling failure was logged')
  t.ok(
    asked.some((url) => url.includes(TOKEN)),
    'the app asked the proxy with the token in the path',
  )
  const connect = await as(app, owner, 'PUT', '/api/telegram/bot', { token: TOKEN })
  t.equal(connect.statusCode, 502, 'connecting again: the owner is told Telegram cannot be reached')
  t.match(connect.body, /Cannot POST \/bot<token>\/getMe/, 'with what came back, the token taken out')
  t.notOk(connect.body.includes(TOKEN.split(':')[1]!), 'the answer does not carry the token')

  const log = lines.join('')
  const secrets = {
    'the bot token': TOKEN,
    'the secret part of the bot token': TOKEN.split(':')[1]!,
    'the owner password': OWNER_PASSWORD,
    'the wrong password tried': 'not the password at all',
    ...Object.fromEntries(cookies.map((cookie, i) => [`cookie ${i + 1}`, cookie.split('=')[1]!])),
  }
  for (const [name, secret] of Object.entries(secrets)) {
    t.ok(secret.length >= 8, `${name} is long enough to search for`)
    t.notOk(log.includes(secret), `${name} is not in the log`)
  }
})

async function waitFor(check: () => boolean, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}
