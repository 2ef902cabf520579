import t from 'tap'
import { createRequire } from 'node:module'
import { startApp } from '../helpers/app'

const loaded = (name: string) =>
  Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(`/node_modules/${name}/`))

t.test('a new shop starts without loading the libraries only some requests need', async (t) => {
  const { app, close } = await startApp()
  t.teardown(close)
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  // web-push sends pushes (VAPID keys are made without it); qrcode draws invite codes;
  // the OpenAPI generator runs on the first request for the document.
  for (const name of ['web-push', 'qrcode', '@fastify/swagger']) t.notOk(loaded(name), `${name} is not loaded at start`)
  t.ok(loaded('fastify'), 'the check itself sees what is loaded')
})

t.test('the OpenAPI document is made on its first request, once', async (t) => {
  const { app, close } = await startApp()
  t.teardown(close)
  const first = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  t.equal(first.statusCode, 200)
  t.match(first.json(), { openapi: '3.0.3', paths: { '/api/conversations/{id}/messages': { post: {} } } })
  t.equal((await app.inject({ method: 'GET', url: '/api/openapi.json' })).body, first.body, 'the same document again')
})
