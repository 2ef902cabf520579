/**
 * Every time a client sends is bounded to 2000–2100: an expiry of 9000000000000000 (which
 * no Date can hold, and which once blanked the board for everyone) or a year-1900 date is
 * refused with 400 and stored nowhere. The sweep reads the app's own OpenAPI document, so
 * a time field added later without the bounds fails here.
 */
import t from 'tap'
import { bodyOf, setupOwner, startApp } from '../helpers/app'
import { plausibleValue, type JsonSchema } from '../helpers/openapi'
import { EARLIEST_TIME, LATEST_TIME } from '../../server/shared/schemas'

const ABSURD = 9_000_000_000_000_000
const YEAR_1900 = Date.UTC(1900, 0, 1)
/** Names that hold a moment: `expiresAt`, `acknowledgeBy`, `until`, `from`, `to`… */
const TIME_NAME = /(At|By|Until)$|^(until|from|to|since|before|after)$/
/** Names that end like a time but hold a member's id (`GET /api/tasks?takenBy=12`). */
const MEMBER_IDS = new Set(['takenBy'])

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema & { maximum?: number } }[]
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> }
}

interface TimeField {
  method: string
  path: string
  where: 'body' | 'query'
  name: string
  schema: JsonSchema & { maximum?: number }
  body: JsonSchema | null
  /** The other query parameters the route requires, with plausible values. */
  requiredQuery: string
}

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const spec = bodyOf<{ paths: Record<string, Record<string, Operation>> }>(
  await app.inject({ method: 'GET', url: '/api/openapi.json' }),
)

function isNumeric(schema: JsonSchema): boolean {
  const types = [schema.type, ...(schema.anyOf ?? []).map((option) => option.type)].flat()
  return types.includes('integer') || types.includes('number')
}

/** The numeric branch of a schema (the integer in `integer | null`). */
function numeric(schema: JsonSchema): JsonSchema & { maximum?: number } {
  return schema.anyOf?.find((option) => option.type === 'integer' || option.type === 'number') ?? schema
}

function isTimeField(name: string, schema: JsonSchema): boolean {
  if (!isNumeric(schema) || MEMBER_IDS.has(name)) return false
  return TIME_NAME.test(name) || numeric(schema).maximum === LATEST_TIME
}

const fields: TimeField[] = []
for (const [path, operations] of Object.entries(spec.paths)) {
  for (const [method, operation] of Object.entries(operations)) {
    const requiredQuery = (operation.parameters ?? [])
      .filter((parameter) => parameter.in === 'query' && parameter.required)
      .map((parameter) => `${parameter.name}=${encodeURIComponent(String(plausibleValue(parameter.schema)))}&`)
      .join('')
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in === 'query' && isTimeField(parameter.name, parameter.schema)) {
        const { name, schema } = parameter
        fields.push({ method, path, where: 'query', name, schema, body: null, requiredQuery })
      }
    }
    const body = operation.requestBody?.content?.['application/json']?.schema
    for (const variant of body?.anyOf ?? (body ? [body] : [])) {
      for (const [name, schema] of Object.entries(variant.properties ?? {})) {
        if (isTimeField(name, schema)) {
          fields.push({ method, path, where: 'body', name, schema, body: variant, requiredQuery })
        }
      }
    }
  }
}
const label = (field: TimeField) => `${field.method.toUpperCase()} ${field.path} ${field.where} ${field.name}`

t.test('the sweep finds the time fields clients send', async (t) => {
  const found = fields.map(label)
  for (const expected of [
    'POST /api/notices body expiresAt',
    'POST /api/notices body acknowledgeBy',
    'PATCH /api/notices/{id} body expiresAt',
    'PATCH /api/notices/{id} body acknowledgeBy',
    'PUT /api/conversations/{id}/mute body until',
    'GET /api/search query from',
    'GET /api/search query to',
    'GET /api/audit query from',
    'GET /api/audit query to',
  ]) {
    t.ok(found.includes(expected), expected)
  }
})

t.test('every time field is bounded to 2000–2100 in the API document', async (t) => {
  for (const field of fields) {
    const bounds = numeric(field.schema) as JsonSchema & { maximum?: number }
    t.same(
      { type: bounds.type, minimum: bounds.minimum, maximum: bounds.maximum },
      { type: 'integer', minimum: EARLIEST_TIME, maximum: LATEST_TIME },
      label(field),
    )
  }
})

t.test('every time field refuses 9000000000000000 and the year 1900 with 400, naming the field', async (t) => {
  const url = (field: TimeField, query = '') =>
    field.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'code' ? 'ABCDEFGH' : '1')) + query
  for (const field of fields) {
    for (const value of [ABSURD, YEAR_1900]) {
      const what = `${label(field)} = ${value}`
      const response =
        field.where === 'query'
          ? await app.inject({
              method: field.method.toUpperCase() as 'GET',
              url: url(field, `?${field.requiredQuery}${field.name}=${value}`),
              headers: { cookie: owner.cookie },
            })
          : await app.inject({
              method: field.method.toUpperCase() as 'POST',
              url: url(field),
              headers: { cookie: owner.cookie },
              payload: { ...(plausibleValue(field.body as JsonSchema) as object), [field.name]: value },
            })
      t.equal(response.statusCode, 400, what)
      const body = bodyOf<{ code: string; details?: { path: string }[] }>(response)
      t.equal(body.code, 'invalid_request', what)
      t.equal(body.details?.[0]?.path, `/${field.name}`, `${what}: the error names the field`)
    }
  }
})

t.test('a notice with an absurd expiry is refused and nothing is stored', async (t) => {
  const response = await app.inject({
    method: 'POST',
    url: '/api/notices',
    headers: { cookie: owner.cookie },
    payload: { title: 'Closed for stocktake', body: '', clientKey: 'absurd-expiry-1', expiresAt: ABSURD },
  })
  t.equal(response.statusCode, 400)
  const board = await app.inject({ method: 'GET', url: '/api/notices', headers: { cookie: owner.cookie } })
  t.same(bodyOf<{ notices: unknown[] }>(board).notices, [], 'the board has no notice')
  const sane = await app.inject({
    method: 'POST',
    url: '/api/notices',
    headers: { cookie: owner.cookie },
    payload: { title: 'Closed for stocktake', body: '', clientKey: 'sane-expiry-1', expiresAt: Date.UTC(2027, 0, 1) },
  })
  t.equal(sane.statusCode, 201, 'an ordinary expiry is accepted')
})
