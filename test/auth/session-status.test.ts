import t from 'tap'
import { bodyOf, createMember, nextAddress, setupOwner, startApp } from '../helpers/app'

const { app, close } = await startApp()
t.teardown(close)

async function hasSession(cookie?: string): Promise<boolean> {
  const response = await app.inject({
    method: 'GET',
    url: '/api/setup',
    remoteAddress: nextAddress(),
    headers: cookie ? { cookie } : {},
  })
  t.equal(response.statusCode, 200)
  return bodyOf<{ hasSession: boolean }>(response).hasSession
}

t.test(
  'GET /api/setup says whether the browser still holds a live session, so the app need not ask /api/me for a 401',
  async (t) => {
    const owner = await setupOwner(app)
    const member = await createMember(app, owner.cookie)
    t.equal(await hasSession(), false, 'no cookie: no session')
    t.equal(await hasSession('bb_session=not-a-real-token-at-all'), false, 'an unknown token: no session')
    t.equal(await hasSession(member.cookie), true, 'a signed-in member')
    const deactivated = await app.inject({
      method: 'POST',
      url: `/api/members/${member.id}/deactivate`,
      remoteAddress: nextAddress(),
      headers: { cookie: owner.cookie },
    })
    t.equal(deactivated.statusCode, 200)
    t.equal(await hasSession(member.cookie), false, 'a deactivated member no longer has one')
    t.equal(await hasSession(owner.cookie), true, 'the owner still does')
  },
)
