/**
 * Telegram updates are applied exactly once. An update commits together with the stored
 * position after it, so when Telegram serves it again (an answer repeated on the way, or a
 * restart after a crash that came before Telegram saw the confirmation) nothing changes:
 * one message, one status change, and the stored offset is the update's id + 1.
 */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { createMember, type SignedInMember } from '../helpers/app'
import { eventsAfter, eventually, historyOf, lastEventId, openDirect, send } from '../helpers/chat'
import {
  applied,
  botMessagesIn,
  lastOutboxId,
  link,
  outboxDrained,
  outboxRowsFor,
  setAway,
  startTelegramApp,
  storedOffset,
  until,
  type TelegramApp,
} from '../helpers/telegram'
import type { TgUpdate } from '../helpers/telegram-fake'

const bounded = { timeout: 90_000 }
const fixture = path.resolve(import.meta.dirname, '../fixtures/telegram-server.ts')
const ANSWER = 'Till counted: 412.50'

async function annaInADirect(tg: TelegramApp) {
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till', username: 'anna' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  await send(tg.app, tg.owner, direct, 'Can you count the till?')
  const mirrored = (await botMessagesIn(tg.fake, handle.chat.id, 2)).at(-1) as { message_id: number }
  await outboxDrained(tg.ctx)
  return { anna, handle, direct, mirrored }
}

/** What Anna's answer and her /here left behind since `sinceEvent` / `sinceOutbox`. */
async function effects(
  tg: TelegramApp,
  anna: SignedInMember,
  direct: number,
  since: { event: number; outbox: number },
) {
  return {
    messages: (await historyOf(tg.app, tg.owner, direct)).filter((m) => m.body === ANSWER).length,
    statusChanges: (await eventsAfter(tg.ctx, since.event, 'presence.changed')).filter(
      (e) => e.data.memberId === anna.id && e.data.shiftStatus === 'on_shift',
    ).length,
    replies: (await outboxRowsFor(tg.ctx, 5001, since.outbox)).filter((r) => r.payload.op === 'reply').length,
  }
}

function updateIdsOf(response: unknown): number[] {
  const result = (response as { result?: unknown } | undefined)?.result
  return Array.isArray(result) ? result.map((u: TgUpdate) => u.update_id) : []
}

t.test(
  'an update served again with the same update_id is applied once; the offset stays past it',
  bounded,
  async (t) => {
    const tg = await startTelegramApp(t)
    const { anna, handle, direct, mirrored } = await annaInADirect(tg)
    const since = { event: await lastEventId(tg.ctx), outbox: await lastOutboxId(tg.ctx) }
    const answer = handle.reply(mirrored, ANSWER).update as TgUpdate
    const here = handle.command('here').update as TgUpdate
    await applied(tg.ctx, here.update_id)
    await outboxDrained(tg.ctx)
    const once = await effects(tg, anna, direct, since)
    t.same(once, { messages: 1, statusChanges: 1, replies: 1 }, 'the answer, the status change and its reply')

    const servings = () =>
      tg.fake
        .calls('getUpdates')
        .map((c, i) => (updateIdsOf(c.response).includes(answer.update_id) ? i : -1))
        .filter((i) => i >= 0)
    const servedBefore = servings().length
    tg.fake.redeliver([answer.update_id, here.update_id])
    // The poll loop applies a whole answer before it asks again: the next poll means it is done.
    await until(
      'the app to take the repeated updates and poll again',
      () => {
        const served = servings()
        return served.length > servedBefore && tg.fake.calls('getUpdates').length > (served.at(-1) as number) + 1
      },
      20_000,
    )
    await outboxDrained(tg.ctx)
    t.same(await effects(tg, anna, direct, since), once, 'nothing applied a second time')
    t.equal(await storedOffset(tg.ctx), here.update_id + 1, 'the stored offset is the last id + 1')
  },
)

function startChild(tg: TelegramApp): Promise<ChildProcess> {
  const child = fork(fixture, [], {
    env: {
      ...process.env,
      DATA_DIR: tg.dataDir,
      TELEGRAM_API_ROOT: tg.fake.apiRoot,
      PUBLIC_URL: 'https://shop.example.org',
      LOG_LEVEL: 'silent',
    },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`the server exited early (${code})`)))
  })
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
}

t.test('SIGKILL right after an update commits: after the restart it is not applied again', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle, direct, mirrored } = await annaInADirect(tg)
  const since = { event: await lastEventId(tg.ctx), outbox: await lastOutboxId(tg.ctx) }
  await tg.stop()

  const first = await startChild(tg)
  t.teardown(() => first.kill('SIGKILL'))
  const db = new SQLite(path.join(tg.dataDir, 'backboard.db'), { readonly: true })
  t.teardown(() => db.close())
  const offset = () =>
    (db.prepare('SELECT update_offset FROM telegram_bot').get() as { update_offset: number }).update_offset
  const answer = handle.reply(mirrored, ANSWER).update as TgUpdate
  const here = handle.command('here').update as TgUpdate
  await eventually(() => offset() > here.update_id, 20_000, 2, 'the child to commit both updates')
  first.kill('SIGKILL')
  await exited(first)
  t.equal(first.signalCode, 'SIGKILL')
  // Killed before its next getUpdates could confirm them: Telegram still holds both updates.
  tg.fake.unconfirm(answer.update_id)

  const polls = tg.fake.calls('getUpdates').length
  const second = await startChild(tg)
  t.teardown(() => second.kill('SIGKILL'))
  // Asking past the second update means the restarted app has dealt with whatever it was served.
  await until(
    'the restarted app to poll past both updates',
    () =>
      tg.fake
        .calls('getUpdates')
        .slice(polls)
        .some((c) => Number(c.params.offset) > here.update_id),
    20_000,
  )
  second.kill('SIGTERM')
  await exited(second)

  await tg.start()
  t.same(
    await effects(tg, anna, direct, since),
    { messages: 1, statusChanges: 1, replies: 1 },
    'one message, one status change, one reply',
  )
  t.equal(await storedOffset(tg.ctx), here.update_id + 1, 'the stored offset is the last id + 1')
})
