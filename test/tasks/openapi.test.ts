/** The task routes are in the OpenAPI document, with the names other clients rely on. */
import t from 'tap'
import { startApp } from '../helpers/app'

t.test('the task routes and fields are described', async (t) => {
  const { app, close } = await startApp()
  t.teardown(close)
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  t.equal(response.statusCode, 200)
  const doc = response.json() as { paths: Record<string, Record<string, unknown>> }
  const routes: [string, string][] = [
    ['/api/tasks', 'post'],
    ['/api/tasks', 'get'],
    ['/api/tasks/{id}', 'get'],
    ['/api/tasks/next', 'post'],
    ['/api/tasks/{id}/take', 'post'],
    ['/api/tasks/{id}/release', 'post'],
    ['/api/tasks/{id}/start', 'post'],
    ['/api/tasks/{id}/cancel', 'post'],
    ['/api/tasks/{id}/reopen', 'post'],
    ['/api/tasks/{id}/details', 'post'],
    ['/api/tasks/{id}/done', 'post'],
    ['/api/tasks/{id}/reassign', 'post'],
    ['/api/tasks/{id}/checklist/{itemId}', 'put'],
    ['/api/task-queues', 'get'],
    ['/api/task-queues', 'post'],
    ['/api/task-queues/{id}', 'patch'],
    ['/api/task-profiles/{id}', 'get'],
    ['/api/task-profiles/{id}', 'put'],
    ['/api/task-settings', 'get'],
    ['/api/task-settings', 'put'],
    ['/api/task-schedules', 'get'],
    ['/api/task-schedules', 'post'],
    ['/api/task-schedules/{id}', 'patch'],
    ['/api/task-schedules/{id}', 'delete'],
    ['/api/report-categories', 'get'],
    ['/api/report-categories', 'post'],
    ['/api/report-categories/{id}', 'patch'],
    ['/api/reports', 'post'],
    ['/api/tasks/stats', 'get'],
    ['/api/tasks/stats.csv', 'get'],
  ]
  for (const [path, method] of routes) t.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`)
  const create = JSON.stringify(doc.paths['/api/tasks']?.post)
  for (const field of [
    'title',
    'details',
    'privateDetails',
    'priority',
    'value',
    'dueAt',
    'skills',
    'checklist',
    'attachments',
    'conversationId',
    'queueId',
    'clientKey',
  ]) {
    t.match(create, new RegExp(`"${field}"`), `POST /api/tasks takes ${field}`)
  }
  t.match(create, /"takenBy"/, 'and answers the task with who took it')
  const take = JSON.stringify(doc.paths['/api/tasks/{id}/take']?.post)
  t.match(take, /"409"/, 'a lost race is a 409')
  t.match(JSON.stringify(doc.paths['/api/tasks/next']?.post), /"204"/, 'Next may answer 204: nothing for you')
})
