import t from 'tap'
import { createSerializerCompiler, createValidatorCompiler } from '../../server/http/validation'

const route = { method: 'POST', url: '/api/things' } as const

t.test('a validator is compiled on its first call, not when its route is registered', async (t) => {
  const compile = createValidatorCompiler()
  // A schema Ajv refuses: at registration nothing happens, the first request fails.
  const broken = compile({ ...route, httpPart: 'body', schema: { type: 'no-such-type' } })
  t.throws(() => broken({}), 'compiled, and refused, on first use')
})

t.test('a lazily compiled validator leaves its errors where Fastify reads them, after each call', async (t) => {
  const validate = createValidatorCompiler()({
    ...route,
    httpPart: 'body',
    schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
  }) as unknown as ((data: unknown) => boolean) & { errors?: unknown[] | null }
  t.equal(validate({}), false)
  t.match(validate.errors, [{ keyword: 'required' }], 'the errors of this call')
  t.equal(validate({ n: 1 }), true)
  t.notOk(validate.errors, 'cleared by a valid call')
})

t.test('a response serialiser is compiled on its first use and resolves shared schemas', async (t) => {
  const compile = createSerializerCompiler({
    Error: { $id: 'Error', type: 'object', properties: { code: { type: 'string' } } },
  })
  const serialize = compile({ ...route, httpStatus: '400', schema: { $ref: 'Error' } })
  t.equal(serialize({ code: 'nope', secret: 'left out' }), '{"code":"nope"}')
  const broken = compile({ ...route, httpStatus: '200', schema: { $ref: 'NoSuchSchema' } })
  t.throws(() => broken({}), 'an unknown reference fails on first use, not at start')
})
