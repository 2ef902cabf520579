/**
 * How the built web app is delivered: the copies compressed at build time are sent as the
 * browser accepts them, hashed assets are cached for a year, and index.html and sw.js are
 * revalidated on every visit. Reads the real build: `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import t from 'tap'
import { startApp } from '../helpers/app'

const WEB_ROOT = path.join(import.meta.dirname, '..', '..', 'dist', 'web')
/** Compressed JavaScript that index.html itself asks for: every page loads at least this. */
const ENTRY_BUDGET = 50_000
const IMMUTABLE = 'public, max-age=31536000, immutable'

if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) {
  t.fail(`${WEB_ROOT}/index.html is missing: run npm run build:web first`)
} else {
  const { app, close } = await startApp({ webRoot: WEB_ROOT })
  t.teardown(close)
  const indexHtml = fs.readFileSync(path.join(WEB_ROOT, 'index.html'))
  /** The scripts index.html names (the entry and what it preloads), as URL paths. */
  const entryScripts = [...indexHtml.toString().matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!)

  const get = (url: string, acceptEncoding?: string) =>
    app.inject({
      method: 'GET',
      url,
      headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
    })

  t.test('the build wrote brotli and gzip copies of every script, style and page', async (t) => {
    t.ok(entryScripts.length > 0, 'index.html names its entry script')
    for (const file of ['index.html', 'sw.js', ...entryScripts.map((url) => url.slice(1))]) {
      const plain = fs.readFileSync(path.join(WEB_ROOT, file))
      t.same(zlib.brotliDecompressSync(fs.readFileSync(path.join(WEB_ROOT, `${file}.br`))), plain, `${file}.br`)
      t.same(zlib.gunzipSync(fs.readFileSync(path.join(WEB_ROOT, `${file}.gz`))), plain, `${file}.gz`)
    }
  })

  t.test('a hashed script is sent precompressed as accepted and cached for a year', async (t) => {
    const url = entryScripts[0]!
    const file = path.join(WEB_ROOT, url)
    const plain = fs.readFileSync(file)

    const br = await get(url, 'gzip, deflate, br, zstd')
    t.equal(br.statusCode, 200)
    t.equal(br.headers['content-encoding'], 'br')
    t.match(br.headers['content-type'], /javascript/)
    t.equal(br.headers['cache-control'], IMMUTABLE)
    t.match(br.headers.vary, /accept-encoding/i)
    t.same(br.rawPayload, fs.readFileSync(`${file}.br`), 'the build-time brotli copy, as it is')
    t.ok(br.rawPayload.length < plain.length / 2, 'less than half the bytes')

    const gzip = await get(url, 'gzip, deflate')
    t.equal(gzip.headers['content-encoding'], 'gzip')
    t.equal(gzip.headers['cache-control'], IMMUTABLE)
    t.match(gzip.headers.vary, /accept-encoding/i)
    t.same(zlib.gunzipSync(gzip.rawPayload), plain)

    const identity = await get(url)
    t.equal(identity.headers['content-encoding'], undefined, 'plain to a client that accepts nothing')
    t.equal(identity.headers['cache-control'], IMMUTABLE)
    t.same(identity.rawPayload, plain)
  })

  t.test('the compressed copies are not served as files of their own', async (t) => {
    const response = await get(`${entryScripts[0]!}.br`, 'br')
    t.not(response.headers['content-type'], 'application/octet-stream')
    t.not(response.headers['cache-control'], IMMUTABLE)
  })

  t.test('index.html and sw.js are revalidated on every visit, and compressed too', async (t) => {
    for (const url of ['/', '/board', '/join/abc123', '/sw.js']) {
      const br = await get(url, 'gzip, deflate, br')
      t.equal(br.statusCode, 200, url)
      t.equal(br.headers['cache-control'], 'no-cache', `${url} is revalidated`)
      t.match(br.headers.vary, /accept-encoding/i, `${url} varies by encoding`)
      t.equal(br.headers['content-encoding'], 'br', `${url} in brotli when accepted`)
      const plain = url === '/sw.js' ? fs.readFileSync(path.join(WEB_ROOT, 'sw.js')) : indexHtml
      t.same(zlib.brotliDecompressSync(br.rawPayload), plain, `${url} decompresses to the file`)

      const gzip = await get(url, 'gzip')
      t.equal(gzip.headers['content-encoding'], 'gzip', `${url} in gzip when only gzip is accepted`)
      t.same(zlib.gunzipSync(gzip.rawPayload), plain)

      const identity = await get(url)
      t.equal(identity.headers['content-encoding'], undefined, `${url} plain when nothing is accepted`)
      t.equal(identity.headers['cache-control'], 'no-cache')
      t.same(identity.rawPayload, plain)
    }
    const refused = await get('/board', 'br;q=0, gzip;q=0.5')
    t.equal(refused.headers['content-encoding'], 'gzip', 'an encoding refused with q=0 is not used')
  })

  t.test('the JavaScript every page loads first stays within its compressed budget', async (t) => {
    const brotli = entryScripts.reduce((sum, url) => sum + fs.statSync(path.join(WEB_ROOT, `${url}.br`)).size, 0)
    const gzip = entryScripts.reduce((sum, url) => sum + fs.statSync(path.join(WEB_ROOT, `${url}.gz`)).size, 0)
    t.comment(`entry scripts: ${brotli} B brotli, ${gzip} B gzip`)
    t.ok(gzip <= ENTRY_BUDGET, `${gzip} B of gzip within ${ENTRY_BUDGET} B`)
    t.ok(brotli <= ENTRY_BUDGET, `${brotli} B of brotli within ${ENTRY_BUDGET} B`)
  })
}
