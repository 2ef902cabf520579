/** The customer routes are in the OpenAPI document, with the names other clients rely on. */
import t from 'tap'
import { startApp } from '../helpers/app'

t.test('the customer routes and fields are described', async (t) => {
  const { app, close } = await startApp()
  t.teardown(close)
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  t.equal(response.statusCode, 200)
  const doc = response.json() as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>
  }
  const routes: [string, string][] = [
    ['/api/customers', 'get'],
    ['/api/customers/counts', 'get'],
    ['/api/customers/{id}', 'get'],
    ['/api/customers/settings', 'patch'],
    ['/api/customers/link', 'get'],
    ['/api/conversations/{id}/status', 'post'],
    ['/api/conversations/{id}/assign', 'post'],
    ['/api/customers/{id}/tags', 'put'],
    ['/api/customers/{id}/participants', 'post'],
    ['/api/customers/{id}/participants/{memberId}', 'delete'],
    ['/api/customers/{id}/block', 'post'],
    ['/api/customers/{id}/unblock', 'post'],
    ['/api/customers/{id}/erase', 'post'],
    ['/api/customers/{id}/messages/{messageId}/task', 'post'],
    ['/api/customers/{id}/messages/{messageId}/share', 'post'],
  ]
  for (const [path, method] of routes) t.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`)
  const send = JSON.stringify(doc.paths['/api/conversations/{id}/messages']?.post?.requestBody)
  t.match(send, /"isInternal"/, 'a message may be an internal note')
  const status = JSON.stringify(doc.paths['/api/conversations/{id}/status']?.post?.requestBody)
  t.match(status, /"open".*"waiting".*"solved"/, 'the three statuses')
  const settings = JSON.stringify(doc.paths['/api/settings']?.patch?.requestBody)
  t.match(settings, /"customersEnabled"/, 'customers are turned on in the settings')
  const list = JSON.stringify(doc.paths['/api/conversations']?.get)
  t.match(list, /"customer"/, 'conversation lists name the customer kind')
  t.match(list, /"status"/, 'and carry a status')
})
