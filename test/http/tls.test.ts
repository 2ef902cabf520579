/** TLS_CERT and TLS_KEY: Backboard serves HTTPS itself, with Secure __Host- cookies and HSTS. */
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { makeCertificate } from '../helpers/push-endpoint'

function post(port: number, ca: string, urlPath: string, body: object) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const data = JSON.stringify(body)
    const request = https.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (response) => {
        response.resume()
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }))
      },
    )
    request.on('error', reject)
    request.end(data)
  })
}

t.test('with a certificate, setup over HTTPS sets a Secure __Host- cookie and HSTS', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-tls-'))
  const { cert, key } = makeCertificate()
  fs.writeFileSync(path.join(dataDir, 'cert.pem'), cert)
  fs.writeFileSync(path.join(dataDir, 'key.pem'), key)
  const config = loadConfig({
    DATA_DIR: dataDir,
    TLS_CERT: path.join(dataDir, 'cert.pem'),
    TLS_KEY: path.join(dataDir, 'key.pem'),
  })
  const { app } = await buildApp({
    config,
    logger: false,
    https: { cert: fs.readFileSync(config.tlsCert!), key: fs.readFileSync(config.tlsKey!) },
  })
  t.teardown(async () => {
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const response = await post(port, cert, '/api/setup', {
    shopName: 'Secure Deli',
    timezone: 'UTC',
    displayName: 'Olive Owner',
    username: 'olive',
    password: 'secure pickles in brine',
  })
  t.equal(response.status, 201)
  const cookie = String(response.headers['set-cookie'])
  t.match(cookie, /^__Host-bb_session=/)
  t.match(cookie, /Secure/)
  t.match(cookie, /HttpOnly/)
  t.match(cookie, /SameSite=Lax/)
  t.match(response.headers['strict-transport-security'], /max-age=\d+/)
})
