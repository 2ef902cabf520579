/** The Xero routes are in the OpenAPI document, with the names other clients rely on. */
import t from 'tap'
import { startApp } from '../helpers/app'

t.test('the Xero routes and fields are described', async (t) => {
  const { app, close } = await startApp()
  t.teardown(close)
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  t.equal(response.statusCode, 200)
  const doc = response.json() as { paths: Record<string, Record<string, unknown>> }
  const routes: [string, string][] = [
    ['/api/xero/connection', 'get'],
    ['/api/xero/connection', 'put'],
    ['/api/xero/connection', 'delete'],
    ['/api/xero/connection/authorize', 'post'],
    ['/api/xero/connection/tenant', 'put'],
    ['/api/xero/callback', 'get'],
    ['/api/xero/ask', 'post'],
    ['/api/xero/conversation', 'get'],
    ['/api/xero/status', 'get'],
    ['/api/xero/usage', 'get'],
    ['/api/xero/settings', 'get'],
    ['/api/xero/settings', 'put'],
    ['/api/xero/cards/{id}', 'get'],
    ['/api/xero/cards/{id}/share', 'post'],
    ['/api/xero/cards/{id}/refresh', 'post'],
    ['/api/xero/drafts/invoice', 'post'],
    ['/api/xero/drafts/bill', 'post'],
    ['/api/xero/cards/{id}/confirm', 'post'],
    ['/api/xero/contacts', 'get'],
    ['/api/customers/{id}/xero-contact', 'put'],
  ]
  for (const [path, method] of routes) t.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`)
  t.match(JSON.stringify(doc.paths['/api/xero/ask']), /"text"/, 'ask takes a text')
  t.match(JSON.stringify(doc.paths['/api/xero/cards/{id}/share']), /"conversationId".*"includePersonal"/s)
  const messages = JSON.stringify(doc.paths['/api/conversations/{id}/messages']?.get)
  t.match(messages, /"card"/, 'messages carry their card')
  t.match(messages, /"sharedBy"/, 'with who shared it')
  t.match(JSON.stringify(doc.paths['/api/conversations']?.get), /"xero"/, 'conversation lists name the Xero kind')
})
