import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, EpochMs, IdParams, Nullable, withErrors } from '../shared/schemas'
import { forbidden } from '../shared/errors'
import { actorOf } from '../auth/access'
import {
  AttachmentInputSchema,
  AttachmentSchema,
  ClientKey,
  MessageText,
  historySchema,
} from '../conversations/schemas'
import { TaskFieldsSchema } from './kind'
import * as tasks from './service'

const tags = ['tasks']
const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('staff')])
const ModeSchema = Type.Union([Type.Literal('claim'), Type.Literal('pull')])
const StateSchema = Type.Union([
  Type.Literal('open'),
  Type.Literal('taken'),
  Type.Literal('started'),
  Type.Literal('done'),
  Type.Literal('cancelled'),
])

export const TaskSchema = Type.Object({
  id: Type.Integer(),
  conversationId: Type.Integer(),
  details: Type.String(),
  attachments: Type.Array(AttachmentSchema),
  createdAt: Type.Number(),
  ...TaskFieldsSchema.properties,
})

const TaskBody = Body({
  title: Type.String({ minLength: 1, maxLength: 800 }),
  details: Type.Optional(MessageText),
  privateDetails: Type.Optional(Type.String({ maxLength: 8_000 })),
  detailsBeforeTaking: Type.Optional(Type.Boolean()),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  value: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
  dueAt: Type.Optional(Nullable(EpochMs)),
  skills: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10 })),
  roles: Type.Optional(Type.Array(RoleSchema, { maxItems: 3 })),
  checklist: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 30 })),
  photoRequired: Type.Optional(Type.Boolean()),
  attachments: Type.Optional(Type.Array(AttachmentInputSchema, { maxItems: 10 })),
  conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
  queueId: Type.Optional(Type.Integer({ minimum: 1 })),
  clientKey: ClientKey,
})

const ListQuery = Type.Object(
  {
    view: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('mine'), Type.Literal('done'), Type.Literal('all')]),
    ),
    state: Type.Optional(StateSchema),
    queueId: Type.Optional(Type.Integer({ minimum: 1 })),
    takenBy: Type.Optional(Type.Integer({ minimum: 1 })),
    overdue: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
)

const QueueSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  mode: ModeSchema,
  conversationId: Type.Integer(),
  ageingPerHour: Type.Integer(),
  startWithinMinutes: Nullable(Type.Integer()),
  escalateAfterMinutes: Nullable(Type.Integer()),
  requiresOnShift: Type.Boolean(),
  returnWhenOffShift: Type.Boolean(),
  isArchived: Type.Boolean(),
  openCount: Type.Integer(),
  oldestOpenAt: Nullable(Type.Number()),
})

const queueFields = {
  ageingPerHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  startWithinMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_080 }))),
  escalateAfterMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_080 }))),
  requiresOnShift: Type.Optional(Type.Boolean()),
  returnWhenOffShift: Type.Optional(Type.Boolean()),
}

const ProfileSchema = Type.Object({
  memberId: Type.Integer(),
  skills: Type.Array(Type.String()),
  activeLimit: Nullable(Type.Integer()),
  scoreCap: Nullable(Type.Integer()),
  effectiveLimit: Type.Integer(),
})

/** These actions need nothing more: a POST without a body means an empty one. */
async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {}
}

export function registerTaskRoutes(app: App, ctx: AppContext): void {
  const Task = TaskSchema
  const TaskWithThread = Type.Object({ ...TaskSchema.properties, thread: historySchema(ctx.kinds).properties.messages })

  app.post(
    '/api/tasks',
    {
      config: { permission: 'tasks.dispatch' },
      schema: {
        tags,
        summary: 'Post a task in a conversation or a queue (idempotent by clientKey)',
        body: TaskBody,
        response: withErrors({ 200: Task, 201: Task }),
      },
    },
    async (request, reply) => {
      const { task, isNew } = await tasks.createTask(ctx, actorOf(request), request.body)
      return reply.status(isNew ? 201 : 200).send(task)
    },
  )

  app.get(
    '/api/tasks',
    {
      schema: {
        tags,
        summary: 'Tasks: open to me (in queue order), mine, done by me, or all (dispatchers)',
        querystring: ListQuery,
        response: withErrors({ 200: Type.Object({ tasks: Type.Array(Task) }) }),
      },
    },
    async (request) => {
      const { overdue, view, ...rest } = request.query
      return {
        tasks: await tasks.listTasks(ctx, actorOf(request), {
          ...rest,
          view: view as tasks.TaskListView | undefined,
          state: rest.state as tasks.TaskListQuery['state'],
          isOverdue: overdue,
        }),
      }
    },
  )

  app.post(
    '/api/tasks/next',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Take the most important open task I may take (204 when there is none)',
        body: Body({ queueId: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: withErrors({ 200: Task, 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const task = await tasks.nextTask(ctx, actorOf(request), request.body.queueId ?? null)
      return task ? task : reply.status(204).send(null)
    },
  )

  app.get(
    '/api/tasks/:id',
    {
      schema: {
        tags,
        summary: 'One task with its thread',
        params: IdParams,
        response: withErrors({ 200: TaskWithThread }),
      },
    },
    async (request) => tasks.getTask(ctx, actorOf(request), request.params.id),
  )

  const action = (
    path: string,
    summary: string,
    run: (actor: ReturnType<typeof actorOf>, id: number) => Promise<tasks.TaskView>,
  ) =>
    app.post(
      `/api/tasks/:id/${path}`,
      { schema: { tags, summary, params: IdParams, response: withErrors({ 200: Task }) } },
      async (request) => run(actorOf(request), request.params.id),
    )
  action('take', 'Take a task: exactly one member wins (409 task_taken with takenBy for the rest)', (actor, id) =>
    tasks.takeTask(ctx, actor, id),
  )
  action('release', 'Give a task back (its taker), or take it back from its taker (a dispatcher)', (actor, id) =>
    tasks.releaseTask(ctx, actor, id),
  )
  action('start', 'Start a taken task', (actor, id) => tasks.startTask(ctx, actor, id))
  action('cancel', 'Cancel a task', (actor, id) => tasks.cancelTask(ctx, actor, id))
  action('reopen', 'Open a finished or cancelled task again', (actor, id) => tasks.reopenTask(ctx, actor, id))
  action('details', 'Get the private details before taking (where the task allows it; audited)', (actor, id) =>
    tasks.revealDetails(ctx, actor, id),
  )

  app.post(
    '/api/tasks/:id/done',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Finish a task with a note and photos',
        params: IdParams,
        body: Body({
          note: Type.Optional(MessageText),
          attachments: Type.Optional(Type.Array(AttachmentInputSchema, { maxItems: 10 })),
        }),
        response: withErrors({ 200: Task }),
      },
    },
    async (request) => tasks.finishTask(ctx, actorOf(request), request.params.id, request.body),
  )

  app.post(
    '/api/tasks/:id/reassign',
    {
      config: { permission: 'tasks.dispatch' },
      schema: {
        tags,
        summary: 'Give a task to a member (dispatchers)',
        params: IdParams,
        body: Body({ memberId: Type.Integer({ minimum: 1 }) }),
        response: withErrors({ 200: Task }),
      },
    },
    async (request) => tasks.reassignTask(ctx, actorOf(request), request.params.id, request.body.memberId),
  )

  app.put(
    '/api/tasks/:id/checklist/:itemId',
    {
      schema: {
        tags,
        summary: 'Tick or untick a checklist item',
        params: Type.Object(
          { id: Type.Integer({ minimum: 1 }), itemId: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
        body: Body({ isDone: Type.Boolean() }),
        response: withErrors({ 200: Task }),
      },
    },
    async (request) =>
      tasks.checkItem(ctx, actorOf(request), request.params.id, request.params.itemId, request.body.isDone),
  )

  app.get(
    '/api/task-queues',
    {
      schema: {
        tags,
        summary: 'Queues, with how many tasks wait in each',
        response: withErrors({ 200: Type.Object({ queues: Type.Array(QueueSchema) }) }),
      },
    },
    async () => ({ queues: await tasks.listQueues(ctx) }),
  )

  app.post(
    '/api/task-queues',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Create a queue (its tasks go to its own channel, made when none is named)',
        body: Body({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          mode: ModeSchema,
          conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
          ...queueFields,
        }),
        response: withErrors({ 201: QueueSchema }),
      },
    },
    async (request, reply) => {
      const queue = await tasks.createQueue(ctx, actorOf(request), request.body)
      return reply.status(201).send(queue)
    },
  )

  app.patch(
    '/api/task-queues/:id',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Change a queue',
        params: IdParams,
        body: Body({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          mode: Type.Optional(ModeSchema),
          isArchived: Type.Optional(Type.Boolean()),
          ...queueFields,
        }),
        response: withErrors({ 200: QueueSchema }),
      },
    },
    async (request) => tasks.updateQueue(ctx, actorOf(request), request.params.id, request.body),
  )

  app.get(
    '/api/task-profiles/:id',
    {
      schema: {
        tags,
        summary: 'What a member may take: skills, active limit, value cap',
        params: IdParams,
        response: withErrors({ 200: ProfileSchema }),
      },
    },
    async (request) => {
      const actor = actorOf(request)
      if (actor.member.id !== request.params.id && !actor.permissions.includes('tasks.dispatch')) {
        if (!actor.permissions.includes('members.manage')) throw forbidden()
      }
      return tasks.getProfile(ctx, request.params.id)
    },
  )

  app.put(
    '/api/task-profiles/:id',
    {
      config: { permission: 'tasks.dispatch' },
      schema: {
        tags,
        summary: 'Set what a member may take (dispatchers)',
        params: IdParams,
        body: Body({
          skills: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 30 })),
          activeLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 20 }))),
          scoreCap: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
        }),
        response: withErrors({ 200: ProfileSchema }),
      },
    },
    async (request) => tasks.setProfile(ctx, actorOf(request), request.params.id, request.body),
  )

  app.get(
    '/api/task-settings',
    {
      schema: {
        tags,
        summary: "The shop's task settings",
        response: withErrors({ 200: Type.Object({ activeLimit: Type.Integer() }) }),
      },
    },
    async () => tasks.getTaskSettings(ctx),
  )

  app.put(
    '/api/task-settings',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: "Change the shop's task settings",
        body: Body({ activeLimit: Type.Integer({ minimum: 1, maximum: 20 }) }),
        response: withErrors({ 200: Type.Object({ activeLimit: Type.Integer() }) }),
      },
    },
    async (request) => tasks.setTaskSettings(ctx, actorOf(request), request.body),
  )
}
