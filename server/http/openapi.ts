/**
 * The OpenAPI document, made on the first request for it rather than at start: the
 * generator (@fastify/swagger and its YAML and schema-resolving dependencies) is loaded
 * only then, in a throwaway Fastify instance given the routes the app recorded while it
 * registered them. Nothing validates or serialises there; it only describes.
 */
import type { RouteOptions } from 'fastify'
import type { App } from '../shared/app-types'
import type { SwaggerOptions } from '@fastify/swagger'

export interface OpenApiSource {
  /** Schemas added with addSchema that routes refer to by `$ref`. */
  sharedSchemas: readonly object[]
  swagger: SwaggerOptions
}

/** What the document needs of a route. */
interface RecordedRoute {
  method: RouteOptions['method']
  url: string
  schema: RouteOptions['schema']
}

/** Records every route as it is registered, and answers with the document, made once. */
export function recordRoutesForOpenApi(app: App, source: OpenApiSource): () => Promise<unknown> {
  const routes: RecordedRoute[] = []
  app.addHook('onRoute', (route) => {
    // Fastify adds a HEAD for each GET; the throwaway instance adds its own.
    if (route.method !== 'HEAD') routes.push({ method: route.method, url: route.url, schema: route.schema })
  })
  let document: Promise<unknown> | null = null
  return () => {
    document ??= buildDocument(routes, source).catch((error: unknown) => {
      document = null
      throw error
    })
    return document
  }
}

async function buildDocument(routes: readonly RecordedRoute[], source: OpenApiSource): Promise<unknown> {
  const [{ default: Fastify }, { default: fastifySwagger }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
  ])
  const describer = Fastify({ logger: false })
  describer.setValidatorCompiler(() => () => true)
  describer.setSerializerCompiler(() => (data) => JSON.stringify(data))
  for (const schema of source.sharedSchemas) describer.addSchema(schema)
  await describer.register(fastifySwagger, source.swagger)
  for (const route of routes) {
    describer.route({ method: route.method, url: route.url, schema: route.schema ?? {}, handler: async () => null })
  }
  await describer.ready()
  const document = describer.swagger()
  await describer.close()
  return document
}
