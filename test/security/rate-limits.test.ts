/**
 * Cheap writes any member can loop are limited per member, a refused request changes
 * nothing and stores no event, typing frames are throttled per socket, and the event log
 * is cut by count as well as by age.
 */
import t from 'tap'
import { DEFAULT_WRITE_LIMIT } from '../../server/http/rate-limits'
import { EVENT_LOG_DAYS, EVENT_LOG_MAX_ROWS, pruneEventLog } from '../../server/realtime/event-log'
import { TYPING_PER_WINDOW } from '../../server/realtime/routes'
import { createMember, listen, setupOwner, startApp } from '../helpers/app'
import { as, boardIdOf, eventsAfter, lastEventId, send } from '../helpers/chat'
import { openSocket } from '../helpers/socket'

const { app, ctx, clock, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const boardId = await boardIdOf(app, owner)

t.test('31 status changes in a minute: the 31st is refused with 429 rate_limited and changes nothing', async (t) => {
  const staff = await createMember(app, owner.cookie)
  const start = await lastEventId(ctx)
  for (let i = 0; i < 30; i++) {
    const status = i % 2 === 0 ? 'away' : 'on_shift'
    const response = await as(app, staff, 'PUT', '/api/me/status', { shiftStatus: status, untilMinutes: null })
    if (response.statusCode !== 200) t.fail(`change ${i + 1} was refused: ${response.body}`)
  }
  const refused = await as(app, staff, 'PUT', '/api/me/status', { shiftStatus: 'away', untilMinutes: 90 })
  t.equal(refused.statusCode, 429)
  t.match(refused.json(), { code: 'rate_limited' })

  const presence = (await as(app, owner, 'GET', '/api/presence')).json() as { memberId: number }[]
  t.match(
    presence.find((p) => p.memberId === staff.id),
    { shiftStatus: 'on_shift', shiftStatusUntil: null },
    'the member is as the 30th change left them',
  )
  const events = await eventsAfter(ctx, start, 'presence.changed')
  t.equal(events.length, 30, 'the event log grew by the 30 accepted changes only')
})

t.test('61 reactions in a minute: the 61st is refused and not stored', async (t) => {
  const staff = await createMember(app, owner.cookie)
  const message = await send(app, owner, boardId, 'New stock in aisle 4')
  const start = await lastEventId(ctx)
  for (let i = 0; i < 60; i++) {
    const response = await as(app, staff, 'POST', `/api/messages/${message.id}/reactions`, {
      emoji: '👍',
      isOn: i % 2 === 0,
    })
    if (response.statusCode !== 200) t.fail(`reaction ${i + 1} was refused: ${response.body}`)
  }
  const refused = await as(app, staff, 'POST', `/api/messages/${message.id}/reactions`, { emoji: '🎉', isOn: true })
  t.equal(refused.statusCode, 429)
  t.match(refused.json(), { code: 'rate_limited' })

  const history = (await as(app, owner, 'GET', `/api/conversations/${boardId}/messages`)).json() as {
    messages: { id: number; reactions: { emoji: string }[] }[]
  }
  t.same(history.messages.find((m) => m.id === message.id)?.reactions, [], 'no reaction is left, the 🎉 never landed')
  const events = await eventsAfter(ctx, start, 'reaction.changed')
  t.ok(events.length <= 60, `the event log grew by at most the limit (${events.length})`)
  const other = await as(app, owner, 'POST', `/api/messages/${message.id}/reactions`, { emoji: '🎉', isOn: true })
  t.equal(other.statusCode, 200, 'the limit is per member: someone else still reacts')
})

t.test('a write route without a limit of its own gets the default per-member limit', async (t) => {
  const staff = await createMember(app, owner.cookie)
  for (let i = 0; i < DEFAULT_WRITE_LIMIT.max; i++) {
    const response = await as(app, staff, 'PATCH', `/api/members/${staff.id}`, { jobTitle: `Title ${i}` })
    if (response.statusCode !== 200) t.fail(`edit ${i + 1} was refused: ${response.body}`)
  }
  const refused = await as(app, staff, 'PATCH', `/api/members/${staff.id}`, { jobTitle: 'One too many' })
  t.equal(refused.statusCode, 429)
  t.match(refused.json(), { code: 'rate_limited' })
  const me = (await as(app, staff, 'GET', `/api/members/${staff.id}`)).json() as { jobTitle: string }
  t.equal(me.jobTitle, `Title ${DEFAULT_WRITE_LIMIT.max - 1}`, 'the refused edit changed nothing')
})

t.test('typing frames past 10 per 10 s from one socket are dropped', async (t) => {
  const [typist, reader] = await Promise.all([createMember(app, owner.cookie), createMember(app, owner.cookie)])
  const typing = await openSocket(baseUrl, typist.cookie)
  const reading = await openSocket(baseUrl, reader.cookie)
  t.teardown(() => Promise.all([typing.close(), reading.close()]))
  await Promise.all([typing, reading].map((s) => s.waitFor((f) => f.kind === 'caught-up')))
  for (let i = 0; i < 30; i++) typing.ws.send(JSON.stringify({ kind: 'typing', conversationId: boardId }))
  // Frames are handled in order: the pong says every typing frame before it was handled,
  // and the reader's own pong comes after whatever was already sent to it.
  typing.ws.send('{"kind":"ping"}')
  await typing.waitFor((f) => f.kind === 'pong')
  reading.ws.send('{"kind":"ping"}')
  await reading.waitFor((f) => f.kind === 'pong')
  const received = reading.frames.filter((f) => f.kind === 'typing')
  t.equal(received.length, TYPING_PER_WINDOW, 'the reader saw only the first ten')
  t.equal((await eventsAfter(ctx, 0)).filter((e) => e.type.startsWith('typing')).length, 0, 'typing is never stored')
})

t.test('the event log keeps the newest EVENT_LOG_MAX_ROWS events and none older than 30 days', async (t) => {
  await ctx.write(async ({ emit }) => {
    emit('shop.updated', { kind: 'shop' }, { name: 'Old news', timezone: 'Europe/London' })
  })
  const old = await lastEventId(ctx)
  clock.advance((EVENT_LOG_DAYS + 1) * 86_400_000)
  await ctx.write(async ({ emit }) => {
    for (let i = 0; i < EVENT_LOG_MAX_ROWS + 50; i++)
      emit('shop.updated', { kind: 'shop' }, { name: `Bulk ${i}`, timezone: 'Europe/London' })
  })
  const newest = await lastEventId(ctx)
  await pruneEventLog(ctx.db, clock.now())
  const rows = await ctx.db
    .selectFrom('event')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number>('id').as('minId')])
    .executeTakeFirstOrThrow()
  t.equal(Number(rows.n), EVENT_LOG_MAX_ROWS, 'the log holds exactly the cap')
  t.equal(Number(rows.minId), newest - EVENT_LOG_MAX_ROWS + 1, 'and they are the newest')
  t.ok(old < Number(rows.minId), 'the month-old event is gone')
})
