/**
 * Two validators: bodies are checked strictly (no type coercion, unknown fields refused),
 * while params and query strings, which arrive as text, are coerced to their types.
 *
 * Validators and response serialisers are compiled on a route's first use, not at start:
 * compiling the hundreds of schemas of every route (seven responses each) up front cost
 * about 30 MB of memory and much of the start-up time, for routes a shop may never call.
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify'

// ajv-formats ships CommonJS with a default export.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, useDefaults: true, removeAdditional: false, strict: false, ...options })
  addFormats(ajv)
  return ajv
}

/** A validator that compiles its schema on the first call; Fastify reads `.errors` after each call. */
function lazyValidator(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | null = null
  const validate = ((data: unknown) => {
    compiled ??= compile()
    const isValid = compiled(data)
    validate.errors = compiled.errors
    return isValid
  }) as ValidateFunction
  return validate
}

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  // The Ajv instances themselves are made on the first validation too.
  let strict: Ajv | null = null
  let coercing: Ajv | null = null
  return ({ schema, httpPart }) =>
    lazyValidator(() => {
      const ajv =
        httpPart === 'body'
          ? (strict ??= makeAjv({ coerceTypes: false }))
          : (coercing ??= makeAjv({ coerceTypes: 'array' }))
      return ajv.compile(schema as object)
    }) as ReturnType<FastifySchemaCompiler<unknown>>
}

/**
 * Fastify's own response serialiser (fast-json-stringify), compiled on a response's first
 * use. `sharedSchemas` are those added with `addSchema` that responses refer to by `$ref`.
 */
export function createSerializerCompiler(sharedSchemas: Record<string, unknown>): FastifySerializerCompiler<unknown> {
  const compile = SerializerSelector()(sharedSchemas, {})
  return (route) => {
    let serialize: ((data: unknown) => string) | null = null
    return (data: unknown) => (serialize ??= compile(route as Parameters<typeof compile>[0]))(data)
  }
}
