/**
 * Names people read cannot hide characters or pass for someone else's: invisible
 * characters are removed from member, channel, file and page names, and a display name
 * that looks like another active member's is refused, wherever the name is set.
 */
import t from 'tap'
import { bodyOf, createMember, MEMBER_PASSWORD, nextAddress, setupOwner, startApp } from '../helpers/app'
import { as, createChannel, tinyPng, upload } from '../helpers/chat'
import { cleanName, nameKey } from '../../server/shared/names'

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app, { displayName: 'Olivia Owner' })
const manager = await createMember(app, owner.cookie, {
  role: 'manager',
  username: 'mona',
  displayName: 'Mona Manager',
})
const sam = await createMember(app, owner.cookie, { username: 'sam', displayName: 'Sam Shelves' })

/** NUL, zero-width space, zero-width joiner, word joiner, BOM, RLO, LRI/PDI, LRM, ALM, soft hyphen. */
const HIDDEN = [
  '\u0000',
  '\u200b',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u202e',
  '\u2066',
  '\u2069',
  '\u200e',
  '\u061c',
  '\u00ad',
]

function rename(actor: { cookie: string }, id: number, patch: Record<string, string>) {
  return as(app, actor, 'PATCH', `/api/members/${id}`, patch)
}

async function inviteCode(): Promise<string> {
  const invite = await as(app, owner, 'POST', '/api/invites', { role: 'staff', expiresInHours: 24, maxUses: 5 })
  return bodyOf<{ code: string }>(invite).code
}

t.test('cleanName removes controls, zero-width and bidirectional characters and tidies spaces', async (t) => {
  for (const hidden of HIDDEN) t.equal(cleanName(`Sa${hidden}m`), 'Sam', JSON.stringify(hidden))
  t.equal(cleanName('  Sam \t\n  Shelves  '), 'Sam Shelves', 'breaks and runs of spaces become one space')
  t.equal(cleanName('Rene\u0301'), 'Ren\u00e9', 'NFC: a combining accent joins its letter')
  t.equal(cleanName('\u3164\u200b '), '', 'a name of blank letters is empty')
  t.equal(cleanName('Zoë Dupré 🥐'), 'Zoë Dupré 🥐', 'visible characters stay')
})

t.test('nameKey folds case, accents, spacing, punctuation and look-alike letters', async (t) => {
  const key = nameKey('Olivia Owner')
  for (const lookAlike of [
    'olivia owner',
    'OLIVIA-OWNER',
    'Olívia  Owner',
    'Оlivia Оwner', // Cyrillic О
    'Olivia 0wner', // digit zero
    'OIivia Owner', // capital I for l
    'Ｏｌｉｖｉａ Ｏｗｎｅｒ', // full-width
    'Οlivia Οwner', // Greek Ο
    'Ol\u200bivia\u202e Owner',
  ])
    t.equal(nameKey(lookAlike), key, lookAlike)
  t.not(nameKey('Olivia Owens'), key, 'a different name stays different')
  t.equal(nameKey('Straße'), nameKey('STRASSE'), 'ß folds to ss')
})

t.test('a member cannot take a name that reads like another active member’s', async (t) => {
  for (const name of ['Olivia Owner', 'olivia owner', 'Оlivia 0wner', 'Olivia\u200b Owner\u202e', 'Mona-Manager']) {
    const response = await rename(sam, sam.id, { displayName: name })
    t.equal(response.statusCode, 409, JSON.stringify(name))
    t.equal(bodyOf(response).code, 'name_taken', JSON.stringify(name))
  }
  const byManager = await rename(manager, sam.id, { displayName: 'OLIVIA OWNER' })
  t.equal(byManager.statusCode, 409, 'nor can a manager give it to someone')
  t.equal(bodyOf(byManager).code, 'name_taken')

  const me = bodyOf<{ member: { displayName: string } }>(await as(app, sam, 'GET', '/api/me'))
  t.equal(me.member.displayName, 'Sam Shelves', 'nothing changed')
  t.equal((await rename(sam, sam.id, { displayName: 'sam shelves' })).statusCode, 200, 'one’s own name is no clash')
})

t.test(
  'invisible characters are removed from display names and job titles; an invisible name is refused',
  async (t) => {
    const response = await rename(sam, sam.id, {
      displayName: `Sam${HIDDEN.join('')} Shel\u202eves`,
      jobTitle: 'Own\u200ber\u0000 \u202e',
    })
    t.equal(response.statusCode, 200)
    const member = bodyOf<{ displayName: string; jobTitle: string }>(response)
    t.equal(member.displayName, 'Sam Shelves')
    t.equal(member.jobTitle, 'Owner')

    for (const blank of ['\u200b\u200b', '\u0000', '\u202e \u2066', '\u3164']) {
      const refused = await rename(sam, sam.id, { displayName: blank })
      t.equal(refused.statusCode, 400, JSON.stringify(blank))
      t.equal(bodyOf(refused).code, 'invalid_display_name', JSON.stringify(blank))
    }
  },
)

t.test('joining with a look-alike of an active member’s name is refused; a former member’s name is free', async (t) => {
  const code = await inviteCode()
  const join = (displayName: string, username: string) =>
    app.inject({
      method: 'POST',
      url: '/api/join',
      remoteAddress: nextAddress(),
      payload: { code, displayName, username, password: MEMBER_PASSWORD },
    })
  const clash = await join('Olivia\u200d 0wner', 'olivia2')
  t.equal(clash.statusCode, 409)
  t.equal(bodyOf(clash).code, 'name_taken')
  const blank = await join('\u202e\u200b', 'blank1')
  t.equal(blank.statusCode, 400)
  t.equal(bodyOf(blank).code, 'invalid_display_name')

  const leaver = await createMember(app, owner.cookie, { username: 'lee', displayName: 'Lee Leaver' })
  t.equal((await as(app, owner, 'POST', `/api/members/${leaver.id}/deactivate`)).statusCode, 200)
  const joined = await join('Lee L\u200beaver', 'lee2')
  t.equal(joined.statusCode, 201, 'a deactivated member’s name can be taken')
  const cookie = joined.cookies.find((c) => c.name.endsWith('bb_session'))!
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `${cookie.name}=${cookie.value}` } })
  t.equal(bodyOf<{ member: { displayName: string } }>(me).member.displayName, 'Lee Leaver', 'stored clean')
})

t.test('a waiting request is not approved while its name reads like an active member’s', async (t) => {
  const waiting = await createMember(app, owner.cookie, {
    username: 'wanda',
    displayName: 'Wanda Waits',
    isPending: true,
  })
  t.equal((await rename(sam, sam.id, { displayName: 'Wanda Waits' })).statusCode, 200, 'not active yet: no clash')
  const approve = await as(app, owner, 'POST', `/api/members/${waiting.id}/approve`)
  t.equal(approve.statusCode, 409)
  t.equal(bodyOf(approve).code, 'name_taken')
  t.equal((await rename(owner, waiting.id, { displayName: 'Wanda W.' })).statusCode, 200)
  t.equal((await as(app, owner, 'POST', `/api/members/${waiting.id}/approve`)).statusCode, 200, 'renamed, approved')
})

t.test('channel names and topics, file names and page titles lose invisible characters too', async (t) => {
  const channelId = await createChannel(app, manager, '#Ti\u200bll\u202e \u0000talk')
  const channel = await as(app, manager, 'GET', `/api/conversations/${channelId}`)
  t.equal(bodyOf<{ name: string }>(channel).name, 'Till talk')
  const renamed = await as(app, manager, 'PATCH', `/api/conversations/${channelId}`, {
    name: 'Front\u2066 desk',
    topic: 'Open\u200b at\u0000 nine\u202e',
  })
  t.equal(renamed.statusCode, 200)
  t.match(bodyOf(renamed), { name: 'Front desk', topic: 'Open at nine' })
  const blankChannel = await as(app, manager, 'POST', '/api/conversations', {
    kind: 'channel',
    name: '\u200b\u202e',
    isPrivate: false,
    memberIds: [],
  })
  t.equal(blankChannel.statusCode, 400, 'a channel named with invisible characters only is refused')

  const file = await upload(app, sam, tinyPng(2, 2), 'gpj\u202e.png\u200b\u0000x.png', 'image/png')
  t.equal(file.name, 'gpj.pngx.png', 'the file name keeps only what shows')

  const page = await as(app, manager, 'POST', '/api/pages', {
    title: 'Opening\u200b hours\u202e',
    section: '',
    body: 'Nine to five',
    showOnWall: false,
  })
  t.equal(page.statusCode, 201)
  const pageView = bodyOf<{ id: number; title: string }>(page)
  t.equal(pageView.title, 'Opening hours')
  const edited = await as(app, manager, 'PATCH', `/api/pages/${pageView.id}`, { title: '\u2067Closing\u0000 time' })
  t.equal(bodyOf<{ title: string }>(edited).title, 'Closing time')
  const blank = await as(app, manager, 'PATCH', `/api/pages/${pageView.id}`, { title: '\u200b' })
  t.equal(blank.statusCode, 400, 'a page title of invisible characters only is refused')
  t.equal(bodyOf(blank).code, 'invalid_title')
})

t.test('a wall display’s name loses invisible characters too', async (t) => {
  const start = async () => {
    const started = await app.inject({ method: 'POST', url: '/api/wall/pairings', remoteAddress: nextAddress() })
    return bodyOf<{ code: string }>(started).code
  }
  const blank = await as(app, manager, 'POST', '/api/wall/pairings/claim', {
    code: await start(),
    name: '\u200b\u202e',
  })
  t.equal(blank.statusCode, 400)
  t.equal(bodyOf(blank).code, 'invalid_name')
  const claimed = await as(app, manager, 'POST', '/api/wall/pairings/claim', {
    code: await start(),
    name: '\u202eBack\u200b wall\u0000',
  })
  t.equal(claimed.statusCode, 201)
  t.equal(bodyOf<{ name: string }>(claimed).name, 'Back wall')
})
