/**
 * Who may take what, through the API: the score cap, skills, roles, on-shift queues, pull
 * queues and the active limit. Each rule is checked on Take and on Next, and each refusal is
 * shown to be the rule's by lifting the rule and seeing the same press succeed.
 */
import t from 'tap'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { as } from '../helpers/chat'
import type { App } from '../../server/shared/app-types'
import type { TaskView } from '../../server/tasks/service'
import { openTaskShop } from './helpers'

async function createQueue(app: App, owner: SignedInMember, input: Record<string, unknown>): Promise<number> {
  const response = await as(app, owner, 'POST', '/api/task-queues', input)
  if (response.statusCode !== 201) throw new Error(`queue failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ id: number }>(response).id
}

async function setProfile(app: App, by: SignedInMember, member: SignedInMember, input: Record<string, unknown>) {
  const response = await as(app, by, 'PUT', `/api/task-profiles/${member.id}`, input)
  if (response.statusCode !== 200) throw new Error(`profile failed: ${response.statusCode} ${response.body}`)
}

const take = (app: App, member: SignedInMember, task: TaskView) => as(app, member, 'POST', `/api/tasks/${task.id}/take`)
const next = (app: App, member: SignedInMember, queueId?: number) =>
  as(app, member, 'POST', '/api/tasks/next', queueId === undefined ? {} : { queueId })
const openTo = async (app: App, member: SignedInMember) =>
  bodyOf<{ tasks: TaskView[] }>(await as(app, member, 'GET', '/api/tasks?view=open')).tasks.map((task) => task.id)

t.test(
  'a member capped at 10 never gets a value-20 task, from Next or from Take, until the cap is lifted',
  async (t) => {
    const { app, owner, manager, workers, post } = await openTaskShop(t, { workers: 1 })
    const [newcomer] = workers as [SignedInMember]
    await setProfile(app, manager, newcomer, { scoreCap: 10 })
    const queueId = await createQueue(app, owner, { name: 'Leads', mode: 'pull' })
    const bigLead = await post({ title: 'Big lead', queueId, value: 20, priority: 100 })
    const smallLead = await post({ title: 'Small lead', queueId, value: 5, priority: 10 })
    const claimable = await post({ title: 'Big job on the floor', value: 20 })

    const refused = await take(app, newcomer, claimable)
    t.equal(refused.statusCode, 403)
    t.equal(bodyOf(refused).code, 'not_eligible')
    t.notOk((await openTo(app, newcomer)).includes(claimable.id), 'the capped task is not open to them')

    const first = await next(app, newcomer, queueId)
    t.equal(first.statusCode, 200)
    t.equal(
      bodyOf<TaskView>(first).id,
      smallLead.id,
      'Next passes over the bigger, more urgent task for the one under the cap',
    )
    t.equal((await as(app, newcomer, 'POST', `/api/tasks/${smallLead.id}/done`, {})).statusCode, 200)
    const nothing = await next(app, newcomer, queueId)
    t.equal(nothing.statusCode, 204, 'with only the value-20 task left, Next has nothing for them')

    await setProfile(app, manager, newcomer, { scoreCap: null })
    const lifted = await next(app, newcomer, queueId)
    t.equal(lifted.statusCode, 200, 'once a manager lifts the cap, the same Next gets it')
    t.equal(bodyOf<TaskView>(lifted).id, bigLead.id)
  },
)

t.test('a cap at exactly the task’s value allows it', async (t) => {
  const { app, manager, workers, post } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  await setProfile(app, manager, anna, { scoreCap: 20 })
  const task = await post({ title: 'Fit the shelf', value: 20 })
  t.equal((await take(app, anna, task)).statusCode, 200)
})

t.test('a task needing a skill goes only to members with it (in any letter case)', async (t) => {
  const { app, manager, workers, post } = await openTaskShop(t, { workers: 2 })
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  await setProfile(app, manager, anna, { skills: ['Forklift'] })
  const task = await post({ title: 'Unload the truck', skills: ['forklift'] })

  const refused = await take(app, ben, task)
  t.equal(refused.statusCode, 403)
  t.match(bodyOf(refused), { code: 'not_eligible', message: /forklift/ })
  t.notOk((await openTo(app, ben)).includes(task.id))
  t.ok((await openTo(app, anna)).includes(task.id))

  await setProfile(app, manager, ben, { skills: ['FORKLIFT'] })
  t.equal((await take(app, ben, task)).statusCode, 200, 'given the skill, the same member may take it')
})

t.test('a task for managers is refused to staff and taken by a manager', async (t) => {
  const { app, owner, manager, workers, post } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  const queueId = await createQueue(app, owner, { name: 'Cash up', mode: 'pull' })
  const task = await post({ title: 'Count the safe', roles: ['manager'], queueId })

  t.equal((await next(app, anna, queueId)).statusCode, 204, 'Next skips it for staff')
  const refused = await take(app, anna, task)
  t.equal(refused.statusCode, 403)
  t.match(bodyOf(refused), { code: 'not_eligible', message: /manager/ })
  const taken = await next(app, manager, queueId)
  t.equal(taken.statusCode, 200)
  t.equal(bodyOf<TaskView>(taken).id, task.id)
})

t.test('a queue that requires being on shift refuses a member off shift, on Take and on Next', async (t) => {
  const { app, owner, workers, post } = await openTaskShop(t, { workers: 2 })
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const queueId = await createQueue(app, owner, { name: 'Floor', mode: 'claim', requiresOnShift: true })
  const first = await post({ title: 'Face the shelves', queueId })
  const second = await post({ title: 'Tidy the tills', queueId })
  const offShift = await as(app, anna, 'PUT', '/api/me/status', { shiftStatus: 'off_shift', untilMinutes: null })
  t.equal(offShift.statusCode, 200)

  const refused = await take(app, anna, first)
  t.equal(refused.statusCode, 403)
  t.match(bodyOf(refused), { code: 'not_eligible', message: /on shift/ })
  t.equal((await next(app, anna, queueId)).statusCode, 204, 'Next has nothing for a member off shift')
  t.same(await openTo(app, anna), [], 'nothing is open to them')
  t.equal((await take(app, ben, second)).statusCode, 200, 'a member on shift takes from the same queue')

  const onShift = await as(app, anna, 'PUT', '/api/me/status', { shiftStatus: 'on_shift', untilMinutes: null })
  t.equal(onShift.statusCode, 200)
  t.equal((await take(app, anna, first)).statusCode, 200, 'back on shift, the same Take succeeds')
})

t.test('an ordinary channel task does not care about shifts', async (t) => {
  const { app, workers, post } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  await as(app, anna, 'PUT', '/api/me/status', { shiftStatus: 'off_shift', untilMinutes: null })
  const task = await post({ title: 'Call the supplier back' })
  t.equal((await take(app, anna, task)).statusCode, 200)
})

t.test('a pull queue hands out in order: Take is refused with pull_queue, Next gets the top task', async (t) => {
  const { app, owner, workers, post } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  const queueId = await createQueue(app, owner, { name: 'Returns', mode: 'pull' })
  const dull = await post({ title: 'Reshelve returns', queueId, priority: 20 })
  const urgent = await post({ title: 'Refund at the till', queueId, priority: 90 })

  const picked = await take(app, anna, dull)
  t.equal(picked.statusCode, 403)
  t.equal(bodyOf(picked).code, 'pull_queue', 'cherry-picking the dull one is refused')
  const state = await as(app, owner, 'GET', `/api/tasks/${dull.id}`)
  t.equal(bodyOf<TaskView>(state).state, 'open', 'and it stays open')

  const given = await next(app, anna, queueId)
  t.equal(given.statusCode, 200)
  t.equal(bodyOf<TaskView>(given).id, urgent.id, 'Next gives the most important one')
})

t.test('a claim queue lets members pick any task', async (t) => {
  const { app, owner, workers, post } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  const queueId = await createQueue(app, owner, { name: 'Jobs board', mode: 'claim' })
  await post({ title: 'Urgent', queueId, priority: 90 })
  const dull = await post({ title: 'Dull', queueId, priority: 10 })
  t.equal((await take(app, anna, dull)).statusCode, 200)
})

t.test('the active limit: the shop’s default of 1, a member’s own limit of 2, and the shop’s setting', async (t) => {
  const { app, owner, manager, workers, post } = await openTaskShop(t, { workers: 2 })
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const tasks: TaskView[] = []
  for (let i = 0; i < 7; i++) tasks.push(await post({ title: `Job ${i + 1}` }))
  const [a, b, c, d, e, f, g] = tasks as [TaskView, TaskView, TaskView, TaskView, TaskView, TaskView, TaskView]

  t.equal((await take(app, anna, a)).statusCode, 200)
  const second = await take(app, anna, b)
  t.equal(second.statusCode, 409)
  t.equal(bodyOf(second).code, 'active_limit', 'the shop default lets a member hold one job')

  await setProfile(app, manager, anna, { activeLimit: 2 })
  t.equal((await take(app, anna, b)).statusCode, 200, 'with her own limit of 2, the same press succeeds')
  const third = await take(app, anna, c)
  t.equal(third.statusCode, 409)
  t.equal(bodyOf(third).code, 'active_limit', 'and a third is refused')

  t.equal((await as(app, anna, 'POST', `/api/tasks/${a.id}/done`, {})).statusCode, 200)
  t.equal((await take(app, anna, c)).statusCode, 200, 'a finished job frees a place')
  t.equal((await as(app, anna, 'POST', `/api/tasks/${b.id}/release`)).statusCode, 200)
  t.equal((await take(app, anna, d)).statusCode, 200, 'so does a job given back')

  t.equal((await take(app, ben, e)).statusCode, 200)
  t.equal((await take(app, ben, f)).statusCode, 409, 'others keep the shop default')
  const setting = await as(app, owner, 'PUT', '/api/task-settings', { activeLimit: 2 })
  t.equal(setting.statusCode, 200)
  t.equal((await take(app, ben, f)).statusCode, 200, 'raising the shop’s limit raises it for them')
  t.equal((await take(app, ben, g)).statusCode, 409)
  t.equal(bodyOf(await next(app, ben)).code, 'active_limit', 'Next is held to the same limit')
})
