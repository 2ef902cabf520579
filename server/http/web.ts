/** The built web app: static files, precompressed copies and the single-page fallback. */
import fs from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import { declareAccessOfScope } from '../auth/access'
import type { App } from '../shared/app-types'

/**
 * Serves the built web app, with the SPA's index.html for any unknown non-API path. The
 * build writes brotli and gzip copies beside each text file; the one the browser accepts
 * is sent as it is, so nothing is compressed per request.
 */
export function registerWeb(app: App, webRoot: string | null): void {
  if (!webRoot || !fs.existsSync(path.join(webRoot, 'index.html'))) return
  const root = path.resolve(webRoot)
  const indexPath = path.join(root, 'index.html')
  const indexHtml: Record<WebEncoding, Buffer | null> = {
    br: readIfExists(`${indexPath}.br`),
    gzip: readIfExists(`${indexPath}.gz`),
    identity: fs.readFileSync(indexPath),
  }
  void app.register(async (web) => {
    // The static plugin registers one route per file and takes no route config: the web
    // app is open to all, and this scope holds nothing else.
    declareAccessOfScope(web, 'always')
    await web.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      // `main.js` answers with `main.js.br` or `.gz` when accepted; the copies are not routes.
      preCompressed: true,
      globIgnore: ['**/*.br', '**/*.gz'],
      // Ours below, not the plugin's `public, max-age=0`, which it would write over them.
      cacheControl: false,
      setHeaders: (res, filePath) => {
        const isHashed = filePath.includes(`${path.sep}assets${path.sep}`)
        res.setHeader('cache-control', isHashed ? 'public, max-age=31536000, immutable' : 'no-cache')
        // Caches between us and the browser must keep the compressed and plain answers apart.
        if (COMPRESSED_WEB_FILE.test(filePath)) res.setHeader('vary', 'accept-encoding')
      },
    })
    web.get('/*', { config: { access: 'always' }, schema: { hide: true } }, async (request, reply) => {
      // The path as the router would read it: `/%61pi/x`, `//api/x`, `/api/./x` and `/API/x`
      // are API paths too, and get a JSON 404 rather than the app's page.
      const urlPath = readablePath(request.url)
      const lower = urlPath.toLowerCase()
      if (lower === '/api' || lower.startsWith('/api/') || lower === '/ws' || lower === '/metrics') {
        return reply.status(404).send({ code: 'not_found', message: `No route GET ${urlPath}.` })
      }
      const file = path.join(root, urlPath)
      // A build-time compressed copy is only ever sent in place of its file, never by its own name.
      const isCopy = file.endsWith('.br') || file.endsWith('.gz')
      if (!isCopy && file.startsWith(root + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        return reply.sendFile(path.relative(root, file))
      }
      const encoding = pickWebEncoding(request.headers['accept-encoding'], indexHtml)
      reply.header('cache-control', 'no-cache').header('vary', 'accept-encoding').type('text/html; charset=utf-8')
      if (encoding !== 'identity') reply.header('content-encoding', encoding)
      return reply.send(indexHtml[encoding])
    })
  })
}

type WebEncoding = 'br' | 'gzip' | 'identity'

/** The files the web build writes compressed copies of (see web/vite.config.ts). */
const COMPRESSED_WEB_FILE = /\.(html|js|css|svg|webmanifest)(\.br|\.gz)?$/

function readIfExists(file: string): Buffer | null {
  return fs.existsSync(file) ? fs.readFileSync(file) : null
}

/** The best encoding the browser accepts (a `q=0` refuses one) that we have a copy in. */
function pickWebEncoding(
  header: string | string[] | undefined,
  copies: Record<WebEncoding, Buffer | null>,
): WebEncoding {
  const accepted = new Map<string, number>()
  for (const part of String(header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined)
    accepted.set(name.trim(), q === undefined ? 1 : Number(q))
  }
  const isAccepted = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0
  if (copies.br && isAccepted('br')) return 'br'
  if (copies.gzip && isAccepted('gzip')) return 'gzip'
  return 'identity'
}

/** A URL's path decoded, with `.`, `..` and repeated slashes resolved; never above `/`. */
function readablePath(url: string): string {
  const raw = url.split('?')[0] ?? '/'
  let decoded = raw
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    // A malformed escape: read the path as it came.
  }
  return path.posix.normalize(`/${decoded.replace(/\\/g, '/')}`)
}
