import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { IdParams, Ok, withErrors } from '../shared/schemas'
import { actorOf } from './access'
import * as members from './members-service'
import { AccessBody, MemberDetailSchema, MembersQuery, ProfileBody } from './schemas'

/** How display names are checked, for the API document. */
export const NAME_RULES =
  'Invisible characters (controls, zero-width and bidirectional marks) are removed from names; a name left ' +
  'empty is refused with 400 `invalid_display_name`. A display name that reads like the name of another ' +
  'active member (ignoring case, accents, spacing, punctuation and look-alike letters) is refused with ' +
  '409 `name_taken`.'

const NOT_FOR_DISPLAYS = 'A wall display gets 403 `read_only`: it shows only what the wall feed gives it.'

export function registerMemberRoutes(app: App, ctx: AppContext): void {
  const tags = ['members']

  app.get(
    '/api/members',
    {
      schema: {
        tags,
        summary: 'Members (managers also see pending and deactivated ones)',
        description: NOT_FOR_DISPLAYS,
        querystring: MembersQuery,
        response: withErrors({ 200: Type.Array(MemberDetailSchema) }),
      },
    },
    async (request) => members.listMembers(ctx, actorOf(request), request.query.status),
  )

  app.get(
    '/api/members/:id',
    {
      schema: {
        tags,
        summary: 'One member',
        description: NOT_FOR_DISPLAYS,
        params: IdParams,
        response: withErrors({ 200: MemberDetailSchema }),
      },
    },
    async (request) => members.getMember(ctx, actorOf(request), request.params.id),
  )

  app.patch(
    '/api/members/:id',
    {
      schema: {
        tags,
        summary: "Edit a member's profile (your own, or as a manager)",
        description: `${NAME_RULES} ${NOT_FOR_DISPLAYS}`,
        params: IdParams,
        body: ProfileBody,
        response: withErrors({ 200: MemberDetailSchema }),
      },
    },
    async (request) => members.updateProfile(ctx, actorOf(request), request.params.id, request.body),
  )

  app.put(
    '/api/members/:id/access',
    {
      config: { permission: 'members.manage' },
      schema: {
        tags,
        summary: "Change a member's role and granted permissions",
        params: IdParams,
        body: AccessBody,
        response: withErrors({ 200: MemberDetailSchema }),
      },
    },
    async (request) => members.updateAccess(ctx, actorOf(request), request.params.id, request.body),
  )

  const transitions = [
    ['approve', 'Approve a join request', members.approveMember],
    ['deactivate', 'Deactivate a member: ends their sessions at once', members.deactivateMember],
    ['reactivate', 'Reactivate a deactivated member', members.reactivateMember],
  ] as const
  for (const [action, summary, run] of transitions) {
    app.post(
      `/api/members/:id/${action}`,
      {
        config: { permission: 'members.manage' },
        schema: { tags, summary, params: IdParams, response: withErrors({ 200: MemberDetailSchema }) },
      },
      async (request) => run(ctx, actorOf(request), request.params.id),
    )
  }

  app.post(
    '/api/members/:id/erase',
    {
      config: { ownerOnly: true },
      schema: {
        tags,
        summary: "Erase a deactivated member's personal data (their messages stay, as a former member's)",
        params: IdParams,
        response: withErrors({ 200: MemberDetailSchema }),
      },
    },
    async (request) => members.eraseMember(ctx, actorOf(request), request.params.id),
  )

  app.post(
    '/api/members/:id/reject',
    {
      config: { permission: 'members.manage' },
      schema: { tags, summary: 'Reject a join request', params: IdParams, response: withErrors({ 200: Ok }) },
    },
    async (request) => {
      await members.rejectMember(ctx, actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )
}
