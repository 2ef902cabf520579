/** A shop for task tests: an owner (dispatcher), a manager and workers, and a channel they are all in. */
import type { Test } from 'tap'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember, type StartOptions } from '../helpers/app'
import { as, createChannel, newClientKey } from '../helpers/chat'
import type { TaskView } from '../../server/tasks/service'

export async function openTaskShop(t: Test, options: StartOptions & { workers?: number } = {}) {
  const started = await startApp(options)
  t.teardown(started.close)
  const { app } = started
  const owner = await setupOwner(app)
  const manager = await createMember(app, owner.cookie, { role: 'manager', username: 'mona', displayName: 'Mona' })
  const workers: SignedInMember[] = []
  const names = ['Anna', 'Ben', 'Cara', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana']
  for (let i = 0; i < (options.workers ?? 2); i++) {
    const name = names[i] ?? `Worker ${i}`
    workers.push(
      await createMember(app, owner.cookie, {
        username: `${name.toLowerCase().replace(/\s/g, '')}${i}`,
        displayName: name,
      }),
    )
  }
  const channelId = await createChannel(app, owner, 'floor', { members: [manager, ...workers] })

  async function post(input: Record<string, unknown>, by: SignedInMember = owner): Promise<TaskView> {
    const response = await as(app, by, 'POST', '/api/tasks', {
      conversationId: channelId,
      clientKey: newClientKey('task'),
      ...input,
    })
    if (response.statusCode !== 201) throw new Error(`task failed: ${response.statusCode} ${response.body}`)
    return bodyOf<TaskView>(response)
  }
  return { ...started, owner, manager, workers, channelId, post }
}
