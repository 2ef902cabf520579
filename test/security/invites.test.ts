/**
 * Revoking an invite follows the rule of making one: below an owner, a member handles only
 * invites for a role below their own, or invites they made themselves.
 */
import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp } from '../helpers/app'
import { as } from '../helpers/chat'

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager', username: 'mona' })
const otherManager = await createMember(app, owner.cookie, { role: 'manager', username: 'max' })

async function invite(by: { cookie: string }, role: 'staff' | 'manager'): Promise<{ id: number; code: string }> {
  const response = await as(app, by, 'POST', '/api/invites', { role, expiresInHours: 24, maxUses: 1 })
  if (response.statusCode !== 201) throw new Error(`invite failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ id: number; code: string }>(response)
}

async function isUsable(id: number): Promise<boolean> {
  const list = bodyOf<{ id: number; isUsable: boolean }[]>(await as(app, owner, 'GET', '/api/invites'))
  return list.find((item) => item.id === id)?.isUsable ?? false
}

t.test('a manager cannot revoke, nor show the QR code of, an invite an owner made for managers', async (t) => {
  const forManagers = await invite(owner, 'manager')
  const revoke = await as(app, manager, 'DELETE', `/api/invites/${forManagers.id}`)
  t.equal(revoke.statusCode, 403)
  t.equal(bodyOf(revoke).code, 'outranked')
  t.ok(await isUsable(forManagers.id), 'the invite still works')
  const qr = await as(app, manager, 'GET', `/api/invites/${forManagers.id}/qr`)
  t.equal(qr.statusCode, 403, 'nor can the manager hand it out as a QR code')
  t.equal(bodyOf(qr).code, 'outranked')

  t.equal((await as(app, owner, 'DELETE', `/api/invites/${forManagers.id}`)).statusCode, 200, 'an owner can')
  t.notOk(await isUsable(forManagers.id))
})

t.test('a manager revokes staff invites, whoever made them', async (t) => {
  const byOwner = await invite(owner, 'staff')
  const byOther = await invite(otherManager, 'staff')
  const own = await invite(manager, 'staff')
  for (const { id } of [byOwner, byOther, own]) {
    const response = await as(app, manager, 'DELETE', `/api/invites/${id}`)
    t.equal(response.statusCode, 200, `invite ${id}`)
    t.notOk(await isUsable(id), `invite ${id} no longer works`)
  }
  const again = await as(app, manager, 'DELETE', `/api/invites/${own.id}`)
  t.equal(again.statusCode, 404, 'revoking twice: not found')
  t.equal(bodyOf(again).code, 'invite_not_found')
  t.equal((await as(app, manager, 'DELETE', '/api/invites/999999')).statusCode, 404)
})

t.test('an owner revokes any invite', async (t) => {
  const byManager = await invite(manager, 'staff')
  t.equal((await as(app, owner, 'DELETE', `/api/invites/${byManager.id}`)).statusCode, 200)
  t.notOk(await isUsable(byManager.id))
})
