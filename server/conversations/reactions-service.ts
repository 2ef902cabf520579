/** Reactions on messages: one emoji per tap, counted once per member. */
import type { AppContext } from '../shared/context'
import { badRequest, conflict, forbidden } from '../shared/errors'
import type { Actor } from '../auth/actor'
import { requireMessage } from './messages-service'
import * as repo from './repo'
import { groupReactions } from './views'

// eslint-disable-next-line no-misleading-character-class -- joiners and variation selectors are what emoji are made of
const EMOJI = /^[\p{Extended_Pictographic}\p{Emoji_Component}\u200d\ufe0f\u20e3]{1,16}$/u

/** An emoji, not just the invisible joiners, selectors and tags emoji are built with, nor a bare digit. */
function isEmoji(text: string): boolean {
  if (!EMOJI.test(text)) return false
  // eslint-disable-next-line no-misleading-character-class -- stripping exactly those combining parts
  const visible = text.replace(/[\u200d\ufe0f\u20e3\u{e0020}-\u{e007f}]/gu, '')
  return visible !== '' && (!/^[0-9#*]+$/.test(visible) || text.includes('\u20e3'))
}

/** Adds or removes the actor's reaction; tapping twice does not count twice. */
export async function setReaction(ctx: AppContext, actor: Actor, messageId: number, emoji: string, isOn: boolean) {
  if (!isEmoji(emoji)) throw badRequest('invalid_emoji', 'A reaction is a single emoji.')
  return ctx.write(async (w) => {
    const { message, conversation } = await requireMessage(ctx, w, actor, messageId)
    if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display cannot react.')
    if (message.deleted_at !== null) throw conflict('message_deleted', 'That message was deleted.')
    if (isOn) await repo.addReaction(w.trx, messageId, actor.member.id, emoji, w.now)
    else await repo.removeReaction(w.trx, messageId, actor.member.id, emoji)
    const reactions = groupReactions(await repo.selectReactions(w.trx, [messageId]))
    w.emit(
      'reaction.changed',
      { kind: 'conversation', id: conversation.id },
      { conversationId: conversation.id, messageId, reactions },
    )
    return reactions
  })
}
