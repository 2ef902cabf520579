import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import {
  as,
  boardIdOf,
  conversationsOf,
  createChannel,
  historyOf,
  openDirect,
  pairDisplay,
  send,
  sendRequest,
} from '../helpers/chat'

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [manager, sam, sid, ola] = (await Promise.all([
  createMember(app, owner.cookie, { role: 'manager', username: 'mona' }),
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
  createMember(app, owner.cookie, { username: 'ola' }),
])) as [SignedInMember, SignedInMember, SignedInMember, SignedInMember]
const boardId = await boardIdOf(app, owner)

interface ConversationBody {
  id: number
  kind: string
  name: string
  isPrivate: boolean
  isArchived: boolean
  memberCount: number
}

t.test('there is one board and every active member is on it, including members approved later', async (t) => {
  for (const member of [owner, manager, sam, sid, ola]) {
    const boards = (await conversationsOf(app, member)).filter((c) => c.kind === 'board')
    t.equal(boards.length, 1, `${member.username} sees one board`)
    t.equal(boards[0]?.id, boardId)
  }
  const boardRows = await ctx.db.selectFrom('conversation').select('id').where('kind', '=', 'board').execute()
  t.equal(boardRows.length, 1, 'exactly one board row')

  const late = await createMember(app, owner.cookie, { username: 'late.joiner', isPending: true })
  const whilePending = await ctx.db
    .selectFrom('conversation_member')
    .select('member_id')
    .where('conversation_id', '=', boardId)
    .where('member_id', '=', late.id)
    .execute()
  t.same(whilePending, [], 'a pending member is not on the board yet')
  const approved = await as(app, manager, 'POST', `/api/members/${late.id}/approve`)
  t.equal(approved.statusCode, 200)
  t.equal(await boardIdOf(app, late), boardId, 'once approved they are on the board')
  const history = await as(app, late, 'GET', `/api/conversations/${boardId}/messages`)
  t.equal(history.statusCode, 200, 'and can read it')
  const detail = await as(app, owner, 'GET', `/api/conversations/${boardId}`)
  t.equal(bodyOf<ConversationBody>(detail).memberCount, 6, 'the board counts all six active members')
})

t.test('a private channel and a direct conversation are invisible to non-members (404, not 403)', async (t) => {
  const secret = await createChannel(app, manager, 'managers-only', { isPrivate: true, members: [sam] })
  const direct = await openDirect(app, sam, [sid])
  await send(app, sam, secret, 'payroll is late')
  await send(app, sam, direct, 'just between us')

  for (const id of [secret, direct]) {
    for (const [method, url, payload] of [
      ['GET', `/api/conversations/${id}/messages`, undefined],
      ['GET', `/api/conversations/${id}`, undefined],
      ['POST', `/api/conversations/${id}/messages`, { body: 'let me in', clientKey: `intrude-${id}-x` }],
      ['POST', `/api/conversations/${id}/read`, { lastReadId: 1 }],
      ['POST', `/api/conversations/${id}/join`, undefined],
    ] as const) {
      const response = await as(app, ola, method, url, payload)
      t.equal(response.statusCode, 404, `${method} ${url} as a non-member`)
      t.equal(bodyOf(response).code, 'conversation_not_found')
    }
  }
  const listed = (await conversationsOf(app, ola)).map((c) => c.id)
  t.notOk(listed.includes(secret) || listed.includes(direct), 'neither is listed for the outsider')
  const joinable = bodyOf<ConversationBody[]>(await as(app, ola, 'GET', '/api/conversations/joinable')).map((c) => c.id)
  t.notOk(joinable.includes(secret), 'a private channel is never joinable')
  const samHistory = await historyOf(app, sam, secret)
  t.ok(
    samHistory.some((m) => m.body === 'payroll is late'),
    'members read it',
  )
  const missing = await as(app, ola, 'GET', '/api/conversations/999999/messages')
  t.equal(missing.statusCode, 404, 'a conversation that does not exist looks the same')
  t.equal(bodyOf(missing).code, 'conversation_not_found')
})

t.test('an open channel is listed as joinable, can be joined, left and joined again', async (t) => {
  const channel = await createChannel(app, manager, 'deliveries')
  const joinable = bodyOf<ConversationBody[]>(await as(app, sid, 'GET', '/api/conversations/joinable'))
  t.ok(
    joinable.some((c) => c.id === channel && c.name === 'deliveries' && !c.isPrivate),
    'listed for a non-member',
  )
  const before = await as(app, sid, 'GET', `/api/conversations/${channel}/messages`)
  t.equal(before.statusCode, 404, 'history needs joining first')
  const peek = await as(app, sid, 'GET', `/api/conversations/${channel}`)
  t.equal(peek.statusCode, 200, 'but its details can be seen before joining')

  const joined = await as(app, sid, 'POST', `/api/conversations/${channel}/join`)
  t.equal(joined.statusCode, 200)
  t.equal(bodyOf<ConversationBody>(joined).memberCount, 2)
  t.notOk(
    bodyOf<ConversationBody[]>(await as(app, sid, 'GET', '/api/conversations/joinable')).some((c) => c.id === channel),
    'no longer joinable once joined',
  )
  t.equal((await sendRequest(app, sid, channel, 'van arrives at 10')).statusCode, 201, 'a member may post')

  const left = await as(app, sid, 'POST', `/api/conversations/${channel}/leave`)
  t.equal(left.statusCode, 200)
  t.same(bodyOf(left), { ok: true })
  const after = await sendRequest(app, sid, channel, 'still here?')
  t.equal(after.statusCode, 404, 'after leaving, posting is refused')
  t.equal(bodyOf(after).code, 'conversation_not_found')
  const leaveAgain = await as(app, sid, 'POST', `/api/conversations/${channel}/leave`)
  t.equal(leaveAgain.statusCode, 404)
  t.equal((await as(app, sid, 'POST', `/api/conversations/${channel}/join`)).statusCode, 200, 'and can join again')

  const leaveBoard = await as(app, sid, 'POST', `/api/conversations/${boardId}/leave`)
  t.equal(leaveBoard.statusCode, 403)
  t.equal(bodyOf(leaveBoard).code, 'cannot_leave_board')
})

t.test('adding and removing people: admins and managers in a private channel, not ordinary members', async (t) => {
  const channel = await createChannel(app, manager, 'stocktake', { isPrivate: true, members: [sam] })
  const bySam = await as(app, sam, 'POST', `/api/conversations/${channel}/members`, { memberIds: [sid.id] })
  t.equal(bySam.statusCode, 403, 'a non-admin member cannot add to a private channel')
  t.equal(bodyOf(bySam).code, 'channel_admin_required')
  const byOutsider = await as(app, ola, 'POST', `/api/conversations/${channel}/members`, { memberIds: [ola.id] })
  t.equal(byOutsider.statusCode, 404)
  t.equal(bodyOf(byOutsider).code, 'conversation_not_found')

  const added = await as(app, manager, 'POST', `/api/conversations/${channel}/members`, {
    memberIds: [sid.id, sam.id, 424242],
  })
  t.equal(added.statusCode, 200)
  t.same(bodyOf(added), { added: [sid.id] }, 'only the newcomer is reported; existing and unknown ids are ignored')
  t.equal(
    (await as(app, sid, 'GET', `/api/conversations/${channel}/messages`)).statusCode,
    200,
    'the added member reads it',
  )

  const removeBySam = await as(app, sam, 'DELETE', `/api/conversations/${channel}/members/${sid.id}`)
  t.equal(removeBySam.statusCode, 403)
  t.equal(bodyOf(removeBySam).code, 'channel_admin_required')
  const removed = await as(app, manager, 'DELETE', `/api/conversations/${channel}/members/${sid.id}`)
  t.equal(removed.statusCode, 200)
  const gone = await as(app, sid, 'GET', `/api/conversations/${channel}/messages`)
  t.equal(gone.statusCode, 404, 'the removed member no longer reads it')
  t.equal(bodyOf(gone).code, 'conversation_not_found')
  const removeAgain = await as(app, manager, 'DELETE', `/api/conversations/${channel}/members/${sid.id}`)
  t.equal(removeAgain.statusCode, 400)
  t.equal(bodyOf(removeAgain).code, 'not_a_member')

  const toBoard = await as(app, manager, 'POST', `/api/conversations/${boardId}/members`, { memberIds: [sid.id] })
  t.equal(toBoard.statusCode, 403)
  t.equal(bodyOf(toBoard).code, 'not_a_channel')

  const removedEvents = await ctx.db
    .selectFrom('event')
    .select(['audience_kind', 'audience_id'])
    .where('type', '=', 'conversation.member_removed')
    .where('payload', 'like', `%"conversationId":${channel},%`)
    .execute()
  t.same(
    removedEvents.map((e) => `${e.audience_kind}:${e.audience_id}`).sort(),
    [`conversation:${channel}`, `member:${sid.id}`].sort(),
    'the removed member is told directly as well as the channel',
  )
})

t.test('archiving a channel: posting gives 409 conversation_archived; only admins and managers archive', async (t) => {
  const channel = await createChannel(app, manager, 'summer-sale', { members: [sam] })
  await send(app, sam, channel, 'posters are up')
  const bySam = await as(app, sam, 'POST', `/api/conversations/${channel}/archive`)
  t.equal(bySam.statusCode, 403)
  t.equal(bodyOf(bySam).code, 'channel_admin_required')

  const archived = await as(app, manager, 'POST', `/api/conversations/${channel}/archive`)
  t.equal(archived.statusCode, 200)
  t.equal(bodyOf<ConversationBody>(archived).isArchived, true)
  const post = await sendRequest(app, sam, channel, 'one more thing')
  t.equal(post.statusCode, 409)
  t.equal(bodyOf(post).code, 'conversation_archived')
  const join = await as(app, sid, 'POST', `/api/conversations/${channel}/join`)
  t.equal(join.statusCode, 409, 'nobody joins an archived channel')
  t.equal(bodyOf(join).code, 'conversation_archived')
  t.notOk(
    bodyOf<ConversationBody[]>(await as(app, sid, 'GET', '/api/conversations/joinable')).some((c) => c.id === channel),
    'an archived channel is not joinable',
  )
  const history = await historyOf(app, sam, channel)
  t.ok(
    history.some((m) => m.body === 'posters are up'),
    'history stays readable',
  )
  t.equal(history.at(-1)?.system?.action, 'archived', 'a system line says it was archived')

  const unarchived = await as(app, manager, 'POST', `/api/conversations/${channel}/unarchive`)
  t.equal(unarchived.statusCode, 200)
  t.equal((await sendRequest(app, sam, channel, 'back again')).statusCode, 201)

  const archiveBoard = await as(app, owner, 'POST', `/api/conversations/${boardId}/archive`)
  t.equal(archiveBoard.statusCode, 403)
  t.equal(bodyOf(archiveBoard).code, 'not_a_channel')
})

t.test('the direct conversation with the same people is reused, whoever opens it', async (t) => {
  const first = await as(app, sam, 'POST', '/api/conversations', { kind: 'direct', memberIds: [ola.id] })
  t.equal(first.statusCode, 200)
  const id = bodyOf<ConversationBody>(first).id
  t.equal(await openDirect(app, sam, [ola]), id, 'the same opener gets the same one')
  t.equal(await openDirect(app, ola, [sam]), id, 'the other person gets the same one')
  const withSelf = await as(app, ola, 'POST', '/api/conversations', {
    kind: 'direct',
    memberIds: [sam.id, ola.id, sam.id],
  })
  t.equal(bodyOf<ConversationBody>(withSelf).id, id, 'repeats and oneself do not make a new one')
  const group = await openDirect(app, sam, [ola, sid])
  t.not(group, id, 'a different set of people is a different conversation')
  t.equal(await openDirect(app, sid, [ola, sam]), group, 'and that one is reused too')
  const rows = await ctx.db
    .selectFrom('conversation')
    .select('id')
    .where('kind', '=', 'direct')
    .where('direct_key', '=', [sam.id, ola.id].sort((a, b) => a - b).join(','))
    .execute()
  t.equal(rows.length, 1, 'one row for the pair')

  const alone = await as(app, sam, 'POST', '/api/conversations', { kind: 'direct', memberIds: [sam.id] })
  t.equal(alone.statusCode, 400)
  t.equal(bodyOf(alone).code, 'invalid_members')
  const ghost = await as(app, sam, 'POST', '/api/conversations', { kind: 'direct', memberIds: [987654] })
  t.equal(ghost.statusCode, 400)
  t.equal(bodyOf(ghost).code, 'invalid_members')
  const leave = await as(app, sam, 'POST', `/api/conversations/${id}/leave`)
  t.equal(leave.statusCode, 403)
  t.equal(bodyOf(leave).code, 'cannot_leave_direct')
})

t.test('staff without board.post cannot start a board post but can reply to one', async (t) => {
  const post = await send(app, manager, boardId, 'Stock count on Friday')
  const top = await sendRequest(app, sam, boardId, 'Can I swap shifts?')
  t.equal(top.statusCode, 403)
  t.equal(bodyOf(top).code, 'board_post_required')
  const reply = await sendRequest(app, sam, boardId, 'I can stay late', { replyToId: post.id })
  t.equal(reply.statusCode, 201)
  t.match(bodyOf(reply), { replyTo: { id: post.id, excerpt: 'Stock count on Friday', isDeleted: false } })
  const channel = await as(app, sam, 'POST', '/api/conversations', {
    kind: 'channel',
    name: 'sams-club',
    isPrivate: false,
  })
  t.equal(channel.statusCode, 403, 'nor create channels')
  t.equal(bodyOf(channel).code, 'channel_create_forbidden')

  const grant = await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, { permissions: ['board.post'] })
  t.equal(grant.statusCode, 200)
  t.equal((await sendRequest(app, sam, boardId, 'Can I swap shifts?')).statusCode, 201, 'with board.post they can')
  await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, { permissions: [] })
})

t.test('creating, renaming and name clashes of channels', async (t) => {
  const created = await as(app, manager, 'POST', '/api/conversations', {
    kind: 'channel',
    name: '#Front-Desk',
    isPrivate: false,
  })
  t.equal(created.statusCode, 201)
  const id = bodyOf<ConversationBody>(created).id
  t.equal(bodyOf<ConversationBody>(created).name, 'Front-Desk', 'a leading # is dropped')
  const clash = await as(app, owner, 'POST', '/api/conversations', {
    kind: 'channel',
    name: 'Front-Desk',
    isPrivate: true,
  })
  t.equal(clash.statusCode, 409)
  t.equal(bodyOf(clash).code, 'channel_exists')
  const blank = await as(app, owner, 'POST', '/api/conversations', { kind: 'channel', name: '  #  ', isPrivate: true })
  t.equal(blank.statusCode, 400)
  t.equal(bodyOf(blank).code, 'invalid_name')

  const renamed = await as(app, manager, 'PATCH', `/api/conversations/${id}`, {
    name: 'front-of-house',
    topic: 'Tills',
  })
  t.equal(renamed.statusCode, 200)
  t.match(bodyOf(renamed), { name: 'front-of-house', topic: 'Tills' })
  const bySid = await as(app, sid, 'PATCH', `/api/conversations/${id}`, { name: 'mine' })
  t.equal(bySid.statusCode, 403)
  t.equal(bodyOf(bySid).code, 'channel_admin_required')
})

t.test('joining, leaving, adding, removing and renaming leave system lines', async (t) => {
  const channel = await createChannel(app, manager, 'kitchen')
  await as(app, sid, 'POST', `/api/conversations/${channel}/join`)
  await as(app, manager, 'POST', `/api/conversations/${channel}/members`, { memberIds: [ola.id] })
  await as(app, manager, 'PATCH', `/api/conversations/${channel}`, { name: 'back-kitchen' })
  await as(app, manager, 'DELETE', `/api/conversations/${channel}/members/${ola.id}`)
  await as(app, sid, 'POST', `/api/conversations/${channel}/leave`)
  const lines = (await historyOf(app, manager, channel))
    .filter((m) => m.kind === 'system')
    .map((m) => ({
      action: m.system?.action,
      actor: m.system?.actorName,
      detail: m.system?.detail,
      author: m.author?.id,
    }))
  t.same(lines, [
    { action: 'created', actor: 'mona Person', detail: 'kitchen', author: manager.id },
    { action: 'joined', actor: 'sid Person', detail: '', author: sid.id },
    { action: 'added', actor: 'mona Person', detail: 'ola Person', author: manager.id },
    { action: 'renamed', actor: 'mona Person', detail: 'back-kitchen', author: manager.id },
    { action: 'removed', actor: 'mona Person', detail: 'ola Person', author: manager.id },
    { action: 'left', actor: 'sid Person', detail: '', author: sid.id },
  ])
  const unread = (await conversationsOf(app, manager)).find((c) => c.id === channel)
  t.equal(unread?.unreadCount, 0, 'system lines do not count as unread')
})

t.test('a wall display sees only the board and cannot post, join or be added anywhere', async (t) => {
  const display = await pairDisplay(app, owner)
  const open = await createChannel(app, manager, 'wall-test')
  const listed = await conversationsOf(app, display)
  t.same(
    listed.map((c) => c.kind),
    ['board'],
  )
  t.same(bodyOf(await as(app, display, 'GET', '/api/conversations/joinable')), [])
  t.equal(
    (await as(app, display, 'GET', `/api/conversations/${boardId}/messages`)).statusCode,
    200,
    'it reads the board',
  )
  const post = await sendRequest(app, display, boardId, 'hello from the wall')
  t.equal(post.statusCode, 403)
  t.equal(bodyOf(post).code, 'read_only')
  const join = await as(app, display, 'POST', `/api/conversations/${open}/join`)
  t.equal(join.statusCode, 404)
  t.equal(bodyOf(join).code, 'conversation_not_found')
  const added = await as(app, manager, 'POST', `/api/conversations/${open}/members`, { memberIds: [display.id] })
  t.same(bodyOf(added), { added: [] }, 'a display cannot be added to a channel')
  const direct = await as(app, sam, 'POST', '/api/conversations', { kind: 'direct', memberIds: [display.id] })
  t.equal(direct.statusCode, 400)
  t.equal(bodyOf(direct).code, 'invalid_members')
})
