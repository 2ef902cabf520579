/**
 * A question asked in a conversation is kept as a pending row in the transaction of its
 * message and answered after the commit; one the process stopped before answering is answered
 * at the next start, once.
 */
import t from 'tap'
import { bodyOf } from '../helpers/app'
import { as, eventually, historyOf, send } from '../helpers/chat'
import { startBooksApp } from './fake-books'

t.test('a question left unanswered by a stop is answered at the next start, once', async (t) => {
  const s = await startBooksApp(t)
  const own = bodyOf<{ conversationId: number }>(await as(s.started.app, s.owner, 'GET', '/api/xero/conversation'))
  const asked = await send(s.started.app, s.owner, own.conversationId, 'contact Acme Trading')
  const cards = async () =>
    (await historyOf(s.started.app, s.owner, own.conversationId)).filter((m) => m.kind === 'card').length
  await eventually(async () => (await cards()) === 1, 5000, 20, 'the first answer')

  // As if the process had stopped between the commit and the answer.
  await s.started.ctx.db.deleteFrom('message').where('kind', '=', 'card').execute()
  await s.started.ctx.db
    .updateTable('xero_question')
    .set({ answered_at: null })
    .where('message_id', '=', asked.id)
    .execute()
  await s.restart()
  await eventually(async () => (await cards()) === 1, 5000, 20, 'the answer after the restart')
  const pending = await s.started.ctx.db
    .selectFrom('xero_question')
    .select('message_id')
    .where('answered_at', 'is', null)
    .execute()
  t.same(pending, [], 'nothing is left waiting')
  await s.restart()
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(await cards(), 1, 'and it is not answered again at the start after')
})
