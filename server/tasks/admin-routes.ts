/** Routes for schedules, problem reports and their categories, and the owners' stats. */
import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, EpochMs, IdParams, Nullable, Ok, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { AttachmentInputSchema, ClientKey, MessageText, PersonRefSchema } from '../conversations/schemas'
import type { RecurrenceRule } from './recurrence'
import { TaskSchema } from './routes'
import * as schedules from './schedules'
import * as reports from './reports'
import { statsToCsv, taskStats } from './stats'

const tags = ['tasks']
const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('staff')])
const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A local date, YYYY-MM-DD' })

const RuleSchema = Type.Object(
  {
    repeat: Type.Union([
      Type.Literal('once'),
      Type.Literal('daily'),
      Type.Literal('weekdays'),
      Type.Literal('weekly'),
      Type.Literal('monthly'),
    ]),
    minuteOfDay: Type.Integer({ minimum: 0, maximum: 1439, description: 'Local time of day in minutes, 420 = 07:00' }),
    startDate: LocalDate,
    weekdays: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
        maxItems: 7,
        description: 'weekly: 0 = Sunday … 6 = Saturday',
      }),
    ),
    dayOfMonth: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 31, description: 'monthly: the last day in shorter months' }),
    ),
    endDate: Type.Optional(Nullable(LocalDate)),
  },
  { additionalProperties: false },
)

const ScheduleSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  details: Type.String(),
  privateDetails: Type.String(),
  priority: Type.Integer(),
  value: Nullable(Type.Integer()),
  skills: Type.Array(Type.String()),
  roles: Type.Array(RoleSchema),
  checklist: Type.Array(Type.String()),
  photoRequired: Type.Boolean(),
  conversationId: Nullable(Type.Integer()),
  queueId: Nullable(Type.Integer()),
  rule: RuleSchema,
  dueAfterMinutes: Type.Integer(),
  isPaused: Type.Boolean(),
  nextAt: Nullable(Type.Number()),
  createdBy: Nullable(PersonRefSchema),
  createdAt: Type.Number(),
})

const scheduleFields = {
  details: Type.Optional(MessageText),
  privateDetails: Type.Optional(Type.String({ maxLength: 8_000 })),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  value: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
  skills: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10 })),
  roles: Type.Optional(Type.Array(RoleSchema, { maxItems: 3 })),
  checklist: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 30 })),
  photoRequired: Type.Optional(Type.Boolean()),
  dueAfterMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200 })),
  isPaused: Type.Optional(Type.Boolean()),
}

const CategorySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  queue: Type.Object({ id: Type.Integer(), name: Type.String() }),
  priority: Type.Integer(),
  responsibleIds: Type.Array(Type.Integer()),
  isArchived: Type.Boolean(),
  createdAt: Type.Number(),
})

const categoryFields = {
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  responsibleIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 20 })),
}

const StatsQuery = Type.Object(
  { from: Type.Optional(EpochMs), to: Type.Optional(EpochMs) },
  { additionalProperties: false },
)

const StatsSchema = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  members: Type.Array(
    Type.Object({
      member: PersonRefSchema,
      taken: Type.Integer(),
      done: Type.Integer(),
      released: Type.Integer(),
      returned: Type.Integer(),
      medianTakeMs: Nullable(Type.Number()),
      medianFinishMs: Nullable(Type.Number()),
    }),
  ),
  queues: Type.Array(
    Type.Object({
      queue: Type.Object({ id: Type.Integer(), name: Type.String() }),
      backlog: Type.Integer(),
      oldestWaitingMs: Nullable(Type.Number()),
      created: Type.Integer(),
      done: Type.Integer(),
    }),
  ),
})

export function registerTaskAdminRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/task-schedules',
    {
      config: { permission: 'tasks.dispatch' },
      schema: {
        tags,
        summary: 'Scheduled and recurring tasks, with when each happens next',
        response: withErrors({ 200: Type.Object({ schedules: Type.Array(ScheduleSchema) }) }),
      },
    },
    async () => ({ schedules: await schedules.listSchedules(ctx) }),
  )

  app.post(
    '/api/task-schedules',
    {
      config: { permission: 'tasks.dispatch' },
      schema: {
        tags,
        summary: 'Schedule a task: once, or repeating in shop time (occurrences from now on)',
        body: Body({
          title: Type.String({ minLength: 1, maxLength: 800 }),
          conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
          queueId: Type.Optional(Type.Integer({ minimum: 1 })),
          rule: RuleSchema,
          ...scheduleFields,
        }),
        response: withErrors({ 201: ScheduleSchema }),
      },
    },
    async (request, reply) => {
      const { rule, ...rest } = request.body
      const schedule = await schedules.createSchedule(ctx, actorOf(request), { ...rest, rule: rule as RecurrenceRule })
      return reply.status(201).send(schedule)
    },
  )

  app.patch(
    '/api/task-schedules/:id',
    {
      config: { permission: 'tasks.dispatch' },
      schema: {
        tags,
        summary: 'Change, pause or resume a schedule (resuming does not make what the pause skipped)',
        params: IdParams,
        body: Body({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 800 })),
          conversationId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
          queueId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
          rule: Type.Optional(RuleSchema),
          ...scheduleFields,
        }),
        response: withErrors({ 200: ScheduleSchema }),
      },
    },
    async (request) => {
      const { rule, ...rest } = request.body
      return schedules.updateSchedule(ctx, actorOf(request), request.params.id, {
        ...rest,
        ...(rule === undefined ? {} : { rule: rule as RecurrenceRule }),
      })
    },
  )

  app.delete(
    '/api/task-schedules/:id',
    {
      config: { permission: 'tasks.dispatch' },
      schema: {
        tags,
        summary: 'Delete a schedule (the tasks it made stay)',
        params: IdParams,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await schedules.deleteSchedule(ctx, actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )

  app.get(
    '/api/report-categories',
    {
      schema: {
        tags,
        summary: 'Categories of problem reports, each with the queue its reports go to',
        response: withErrors({ 200: Type.Object({ categories: Type.Array(CategorySchema) }) }),
      },
    },
    async () => ({ categories: await reports.listCategories(ctx) }),
  )

  app.post(
    '/api/report-categories',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Create a report category',
        body: Body({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          queueId: Type.Integer({ minimum: 1 }),
          ...categoryFields,
        }),
        response: withErrors({ 201: CategorySchema }),
      },
    },
    async (request, reply) => reply.status(201).send(await reports.createCategory(ctx, actorOf(request), request.body)),
  )

  app.patch(
    '/api/report-categories/:id',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Change or archive a report category',
        params: IdParams,
        body: Body({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          queueId: Type.Optional(Type.Integer({ minimum: 1 })),
          isArchived: Type.Optional(Type.Boolean()),
          ...categoryFields,
        }),
        response: withErrors({ 200: CategorySchema }),
      },
    },
    async (request) => reports.updateCategory(ctx, actorOf(request), request.params.id, request.body),
  )

  app.post(
    '/api/reports',
    {
      schema: {
        tags,
        summary: "Report a problem: a task in the category's queue that the reporter follows (idempotent by clientKey)",
        body: Body({
          categoryId: Type.Integer({ minimum: 1 }),
          text: Type.Optional(MessageText),
          attachments: Type.Optional(Type.Array(AttachmentInputSchema, { maxItems: 10 })),
          clientKey: ClientKey,
        }),
        response: withErrors({ 200: TaskSchema, 201: TaskSchema }),
      },
    },
    async (request, reply) => {
      const { task, isNew } = await reports.createReport(ctx, actorOf(request), request.body)
      return reply.status(isNew ? 201 : 200).send(task)
    },
  )

  app.get(
    '/api/tasks/stats',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Task stats for owners over a period (default: the last 30 days)',
        querystring: StatsQuery,
        response: withErrors({ 200: StatsSchema }),
      },
    },
    async (request) => taskStats(ctx, request.query),
  )

  app.get(
    '/api/tasks/stats.csv',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Task stats as CSV: one row per member, then one per queue',
        querystring: StatsQuery,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const stats = await taskStats(ctx, request.query)
      const day = (at: number) => new Date(at).toISOString().slice(0, 10)
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="backboard-task-stats-${day(stats.from)}-${day(stats.to)}.csv"`,
        )
        .send(statsToCsv(stats))
    },
  )
}
