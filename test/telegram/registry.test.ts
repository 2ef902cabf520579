/**
 * The bridge's registry: a feature's command and button work end to end through the Telegram
 * fake, a button answers only the member it was issued to, and registering a command, a
 * button or a kind's mirror twice stops the app from starting.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { TelegramRegistry } from '../../server/telegram/registry'
import { createMember } from '../helpers/app'
import { botMessagesIn, link, startTelegramApp, until } from '../helpers/telegram'
import type { TgMessage } from '../helpers/telegram-fake'

const bounded = { timeout: 30_000 }

async function startsWith(t: Test, register: (registry: TelegramRegistry) => void): Promise<unknown> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-registry-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  try {
    const built = await buildApp({
      config: loadConfig({ DATA_DIR: dataDir }),
      logger: false,
      webRoot: null,
      telegramBehaviours: register,
    })
    await built.app.close()
    return null
  } catch (error) {
    return error
  }
}

t.test('registering a command, a button or a mirror twice fails at start', bounded, async (t) => {
  t.match(
    await startsWith(t, (registry) =>
      registry.registerCommand({ name: 'board', handle: async () => ({ step: async () => undefined }) }),
    ),
    { message: /"\/board" is registered twice/ },
    'a second /board (notices have one)',
  )
  t.match(
    await startsWith(t, (registry) => {
      registry.registerCommand({ name: 'ping', handle: async () => ({ step: async () => undefined }) })
      registry.registerCommand({ name: 'ping', handle: async () => ({ step: async () => undefined }) })
    }),
    { message: /"\/ping" is registered twice/ },
    'the same new command twice',
  )
  t.match(
    await startsWith(t, (registry) =>
      registry.registerButton({ prefix: 'a', action: 'other', handle: async () => ({ step: async () => undefined }) }),
    ),
    { message: /button "a" is registered twice/ },
    'a second button under the Acknowledge prefix',
  )
  t.match(
    await startsWith(t, (registry) => registry.registerMirror({ kind: 'notice', render: async () => ({}) })),
    { message: /mirror of "notice" is registered twice/ },
    'a second renderer for notices',
  )
  t.match(
    await startsWith(t, (registry) =>
      registry.registerCommand({ name: 'here', handle: async () => ({ step: async () => undefined }) }),
    ),
    { message: /"\/here" is registered twice/ },
    "a feature's command cannot take one of the bridge's own",
  )
  t.equal(
    await startsWith(t, (registry) =>
      registry.registerCommand({ name: 'ping', handle: async () => ({ step: async () => undefined }) }),
    ),
    null,
    'a new command starts fine',
  )
})

t.test(
  "a test feature's command and button work end to end; the button answers only its member",
  bounded,
  async (t) => {
    const pressedBy: string[] = []
    const tg = await startTelegramApp(t, {
      telegramBehaviours: (registry) => {
        registry.registerCommand({
          name: 'ping',
          description: 'Answers pong',
          help: 'answers pong, with a button',
          handle: async ({ args, reply, button }) => ({
            step: async (w) => {
              const data = await button(w, 'pg', { data: { said: args } })
              await reply(`pong ${args}`, [[{ text: 'Press me', callback_data: data }]])(w)
            },
          }),
        })
        registry.registerButton({
          prefix: 'pg',
          action: 'test.ping',
          handle: async ({ actor, action, query, answer, reply }) => ({
            step: async (w) => {
              pressedBy.push(actor.member.display_name)
              const { said } = JSON.parse(action.data) as { said: string }
              await reply(w, query.message?.chat.id ?? query.from.id, `pressed after “${said}”`)
            },
            after: answer(`Pressed by ${actor.member.display_name}`),
          }),
        })
      },
    })
    const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
    const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
    const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock' })
    const bobHandle = tg.fake.user({ id: 5002, first_name: 'Bob' })
    await link(tg, anna, handle)
    await link(tg, bob, bobHandle)

    await until('the commands to be registered', () => tg.fake.calls('setMyCommands').length > 0, 3000)
    const names = [...tg.fake.commands.values()][0]?.map((c) => c.command)
    t.same(
      names,
      ['board', 'tasks', 'next', 'mine', 'done', 'report', 'xero', 'ping', 'here', 'away', 'mute', 'help'],
      "the feature's command in the menu, in order",
    )

    const before = tg.fake.botMessages(handle.chat.id).length
    handle.command('ping', 'hello')
    const messages = await botMessagesIn(tg.fake, handle.chat.id, before + 1)
    const pong = messages.at(-1) as TgMessage & {
      reply_markup: { inline_keyboard: { text: string; callback_data: string }[][] }
    }
    t.equal(pong.text, 'pong hello')
    const data = pong.reply_markup.inline_keyboard[0]?.[0]?.callback_data as string
    t.match(data, /^pg:[A-Za-z0-9_-]{22}$/, 'the bridge issued an opaque token')

    // Bob sends Anna's button data: refused before the feature's handler is called.
    const offset = tg.fake.sent.length
    tg.fake.userSends({
      callback_query: { id: 'cq-bob', from: bobHandle.user, chat_instance: '1', data },
    } as never)
    await tg.fake.waitForCall('answerCallbackQuery', { since: offset, timeoutMs: 5000 })
    t.match(JSON.stringify(tg.fake.sent.at(-1)?.params), /not for you/, 'Bob is told the button is not his')
    t.same(pressedBy, [], "the feature's handler was not called for Bob")

    const pressed = handle.press(pong, data)
    const queryId = pressed.callbackQuery?.id as string
    await until('the press is answered', () => tg.fake.callbackAnswers.has(queryId), 5000)
    t.match(JSON.stringify(tg.fake.callbackAnswers.get(queryId)), /Pressed by Anna Till/)
    t.same(pressedBy, ['Anna Till'], 'the handler ran once, as Anna')
    const after = await botMessagesIn(tg.fake, handle.chat.id, before + 2)
    t.equal(after.at(-1)?.text, 'pressed after “hello”', 'its step answered in the chat')

    handle.command('help')
    await until('/help to list the feature command', () =>
      tg.fake.botMessages(handle.chat.id).some((m) => /\/ping – answers pong, with a button/.test(m.text ?? '')),
    )
  },
)
