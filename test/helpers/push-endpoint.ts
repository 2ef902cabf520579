/**
 * A push service on 127.0.0.1 for tests: HTTPS with a self-signed certificate the test
 * trusts, recording each request and answering as told (201, 410, 429 with Retry-After…),
 * and a browser-side subscription whose key pair lets the test decrypt what arrives.
 */
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import ece from 'http_ece'

export interface PushRequest {
  path: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export interface PushEndpoint {
  origin: string
  agent: https.Agent
  /**
   * For buildApp's `pushEndpoints.allowEndpoint`: lets this endpoint (and only it) past the
   * rule that push endpoints are public HTTPS hosts on port 443.
   */
  allows: (url: URL) => boolean
  requests: PushRequest[]
  /** The next responses, in order; once used up, 201. */
  respond: { status: number; headers?: Record<string, string> }[]
  stop(): Promise<void>
  start(): Promise<void>
}

export function makeCertificate(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-cert-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    return {
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export async function startPushEndpoint(): Promise<PushEndpoint> {
  const { cert, key } = makeCertificate()
  const requests: PushRequest[] = []
  const respond: PushEndpoint['respond'] = []
  const server = https.createServer({ cert, key }, (request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) })
      const next = respond.shift() ?? { status: 201 }
      response.writeHead(next.status, next.headers ?? {})
      response.end()
    })
  })
  let port = 0
  const start = () =>
    new Promise<void>((resolve) => {
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port
        resolve()
      })
    })
  await start()
  const origin = `https://127.0.0.1:${port}`
  return {
    origin,
    agent: new https.Agent({ ca: cert, keepAlive: false }),
    allows: (url) => url.origin === origin,
    requests,
    respond,
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface BrowserSubscription {
  endpoint: string
  keys: { p256dh: string; auth: string }
  ecdh: ECDH
  authSecret: Buffer
}

/** What PushManager.subscribe would give a browser, made in Node. */
export function makeSubscription(endpointOrigin: string, id = randomBytes(6).toString('hex')): BrowserSubscription {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const authSecret = randomBytes(16)
  return {
    endpoint: `${endpointOrigin}/push/${id}`,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
    ecdh,
    authSecret,
  }
}

/** Decrypts an aes128gcm push body as the browser would. */
export function decryptPush(subscription: BrowserSubscription, body: Buffer): unknown {
  const plain = ece.decrypt(body, {
    version: 'aes128gcm',
    privateKey: subscription.ecdh,
    authSecret: subscription.authSecret,
  })
  return JSON.parse(plain.toString('utf8'))
}

export interface VapidClaims {
  aud: string
  exp: number
  sub: string
}

/** Checks the `Authorization: vapid t=…, k=…` header's ES256 signature; returns the claims. */
export function verifyVapid(header: string | undefined): {
  claims: VapidClaims
  publicKey: string
  isSignatureValid: boolean
} {
  const match = /^vapid t=([^,]+),\s*k=(.+)$/.exec(header ?? '')
  if (!match) throw new Error(`not a VAPID authorization header: ${header}`)
  const [jwt, k] = [match[1] as string, match[2] as string]
  const [head, payload, signature] = jwt.split('.') as [string, string, string]
  const raw = Buffer.from(k, 'base64url')
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  })
  const isSignatureValid = verify(
    'sha256',
    Buffer.from(`${head}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  )
  return {
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as VapidClaims,
    publicKey: k,
    isSignatureValid,
  }
}
