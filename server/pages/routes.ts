import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, IdParams, Ok, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { PersonRefSchema } from '../conversations/schemas'
import * as pages from './service'

const Person = Type.Union([PersonRefSchema, Type.Null()])

const pageSummaryFields = {
  id: Type.Integer(),
  title: Type.String(),
  section: Type.String(),
  position: Type.Integer(),
  showOnWall: Type.Boolean(),
  updatedAt: Type.Number(),
  updatedBy: Person,
}
export const PageSummarySchema = Type.Object(pageSummaryFields)
export const PageSchema = Type.Object({ ...pageSummaryFields, body: Type.String(), revisionCount: Type.Integer() })

const RevisionSummarySchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  createdAt: Type.Number(),
  author: Person,
  note: Type.String(),
})
const RevisionSchema = Type.Object({ ...RevisionSummarySchema.properties, section: Type.String(), body: Type.String() })

const PageBody = Body({
  title: Type.String({ minLength: 1, maxLength: 120 }),
  section: Type.Optional(Type.String({ maxLength: 60 })),
  body: Type.String({ maxLength: 50_000 }),
  showOnWall: Type.Optional(Type.Boolean()),
})

const PagePatchBody = Body({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  section: Type.Optional(Type.String({ maxLength: 60 })),
  body: Type.Optional(Type.String({ maxLength: 50_000 })),
  showOnWall: Type.Optional(Type.Boolean()),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
})

const RevisionParams = Type.Object(
  { id: Type.Integer({ minimum: 1 }), revisionId: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)

export function registerPageRoutes(app: App, ctx: AppContext): void {
  const tags = ['pages']
  app.get(
    '/api/pages',
    {
      schema: { tags, summary: 'Info pages, by section', response: withErrors({ 200: Type.Array(PageSummarySchema) }) },
    },
    async (request) => pages.listPages(ctx, actorOf(request)),
  )
  app.post(
    '/api/pages',
    { schema: { tags, summary: 'Write a new page', body: PageBody, response: withErrors({ 201: PageSchema }) } },
    async (request, reply) => reply.status(201).send(await pages.createPage(ctx, actorOf(request), request.body)),
  )
  app.get(
    '/api/pages/:id',
    { schema: { tags, summary: 'One page', params: IdParams, response: withErrors({ 200: PageSchema }) } },
    async (request) => pages.getPage(ctx, actorOf(request), request.params.id),
  )
  app.patch(
    '/api/pages/:id',
    {
      schema: {
        tags,
        summary: 'Change a page (kept as a revision)',
        params: IdParams,
        body: PagePatchBody,
        response: withErrors({ 200: PageSchema }),
      },
    },
    async (request) => pages.updatePage(ctx, actorOf(request), request.params.id, request.body),
  )
  app.delete(
    '/api/pages/:id',
    { schema: { tags, summary: 'Delete a page', params: IdParams, response: withErrors({ 200: Ok }) } },
    async (request) => {
      await pages.deletePage(ctx, actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )
  app.get(
    '/api/pages/:id/revisions',
    {
      schema: {
        tags,
        summary: "A page's history",
        params: IdParams,
        response: withErrors({ 200: Type.Array(RevisionSummarySchema) }),
      },
    },
    async (request) => pages.listRevisions(ctx, actorOf(request), request.params.id),
  )
  app.get(
    '/api/pages/:id/revisions/:revisionId',
    {
      schema: { tags, summary: 'One revision', params: RevisionParams, response: withErrors({ 200: RevisionSchema }) },
    },
    async (request) => pages.getRevision(ctx, actorOf(request), request.params.id, request.params.revisionId),
  )
  app.post(
    '/api/pages/:id/revisions/:revisionId/restore',
    {
      schema: {
        tags,
        summary: 'Restore a revision',
        params: RevisionParams,
        response: withErrors({ 200: PageSchema }),
      },
    },
    async (request) => pages.restoreRevision(ctx, actorOf(request), request.params.id, request.params.revisionId),
  )
}
