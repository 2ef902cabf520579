/** Reads the app's own OpenAPI document, so sweeps cover every route, including future ones. */
import type { App } from '../../server/shared/app-types'

export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  anyOf?: JsonSchema[]
  enum?: unknown[]
  const?: unknown
  minimum?: number
  minLength?: number
  minItems?: number
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** As documented, e.g. /api/members/{id}. */
  path: string
  /** With path parameters filled in, e.g. /api/members/1. */
  url: string
  body: JsonSchema | null
}

/** Plausible values for path parameters by name; anything else gets 1. */
const PARAM_VALUES: Record<string, string> = { code: 'ABCDEFGH' }

export async function apiRoutes(app: App): Promise<ApiRoute[]> {
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  const spec = response.json() as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>
  }
  const routes: ApiRoute[] = []
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      routes.push({
        method: method.toUpperCase() as ApiRoute['method'],
        path,
        url: path.replace(/\{(\w+)\}/g, (_, name: string) => PARAM_VALUES[name] ?? '1'),
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
      })
    }
  }
  return routes
}

/** A value that satisfies `schema` as far as types go (content rules may still refuse it). */
export function plausibleValue(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const
  if (schema.enum) return schema.enum[0]
  if (schema.anyOf?.[0]) return plausibleValue(schema.anyOf[0])
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 8))
    case 'integer':
    case 'number':
      return schema.minimum ?? 1
    case 'boolean':
      return true
    case 'array':
      return schema.items && schema.minItems ? [plausibleValue(schema.items)] : []
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, value]) => [key, plausibleValue(value)]),
      )
    default:
      return null
  }
}

/** A value of the wrong JSON type for `schema`. */
export function wrongTypeValue(schema: JsonSchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? schema.anyOf?.[0]?.type)
  switch (type) {
    case 'string':
      return 12345
    case 'integer':
    case 'number':
      return '12'
    case 'boolean':
      return 'true'
    case 'array':
      return { 0: 'x' }
    case 'object':
      return ['x']
    default:
      return { unexpected: true }
  }
}

export interface PathSpelling {
  what: string
  url: string
}

/** `%XX` for the first letter or digit of `segment`. */
function escapeFirst(segment: string): string {
  const index = segment.search(/[A-Za-z0-9]/)
  if (index < 0) return segment
  const hex = segment.charCodeAt(index).toString(16).toUpperCase()
  return `${segment.slice(0, index)}%${hex}${segment.slice(index + 1)}`
}

/**
 * Other spellings of `url` (e.g. /api/members/1/avatar) that a router may read as the same
 * path, or that a check of the raw URL may read differently: what an attacker sends with
 * `curl --path-as-is`.
 */
export function pathSpellings(url: string): PathSpelling[] {
  const segments = url.split('/').slice(1)
  const last = segments.length - 1
  const withSegment = (index: number, spelled: string) =>
    `/${segments.map((segment, i) => (i === index ? spelled : segment)).join('/')}`
  return [
    { what: 'a percent-encoded letter in the prefix', url: withSegment(0, escapeFirst(segments[0]!)) },
    { what: 'a percent-encoded letter in the last segment', url: withSegment(last, escapeFirst(segments[last]!)) },
    { what: 'a doubled slash in front', url: `/${url}` },
    { what: 'a doubled slash after the prefix', url: url.replace(/^\/(\w+)\//, '/$1//') },
    { what: 'a /./ after the prefix', url: url.replace(/^\/(\w+)\//, '/$1/./') },
    { what: 'a /./ in front', url: `/.${url}` },
    { what: 'upper case', url: url.toUpperCase() },
  ]
}
