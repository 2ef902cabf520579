/**
 * One Backboard message as the Telegram messages one chat gets: a header saying who and
 * where (or the kind's own, from its registered renderer), the text, buttons, then each
 * attachment as real media. Rendered at delivery, as the message is then: a message deleted
 * meanwhile, or a reader who lost access, gets nothing.
 */
import { hydrateMessages } from '../conversations/views'
import type { AttachmentView } from '../shared/events'
import { appUrlOf, type Bridge } from './bridge'
import type { SendPayload } from './mirror'
import type { Keyboard, MirrorRendering } from './registry'
import type { Part } from './sender'
import { GROUP_BUTTON, issueCallbackData } from './tokens'
import { CAPTION_LIMIT, compose, escapeHtml, excerpt, visibleLength } from './render'

/** Bots may upload up to 50 MB. */
const UPLOAD_LIMIT = 50 * 1024 * 1024

export class MessageParts {
  constructor(private readonly bridge: Bridge) {}

  private get ctx() {
    return this.bridge.ctx
  }

  /** The app's address for "Open in app" buttons; null when Telegram would refuse it. */
  appUrl(): Promise<string | null> {
    return appUrlOf(this.ctx)
  }

  private async timezone(): Promise<string> {
    return (await this.ctx.db.selectFrom('shop').select('timezone').executeTakeFirst())?.timezone ?? 'UTC'
  }

  /** The parts of one message for one chat, or null when it should no longer go there. */
  async render(payload: SendPayload) {
    const db = this.ctx.db
    const row = await db.selectFrom('message').selectAll().where('id', '=', payload.messageId).executeTakeFirst()
    if (!row || row.deleted_at !== null) return null
    const conversation = await db
      .selectFrom('conversation')
      .select(['id', 'kind', 'name'])
      .where('id', '=', row.conversation_id)
      .executeTakeFirst()
    if (!conversation) return null
    if (payload.isGroup) {
      const group = await db
        .selectFrom('telegram_group')
        .select('conversation_id')
        .where('chat_id', '=', payload.chatId)
        .executeTakeFirst()
      if (group?.conversation_id !== conversation.id) return null
    } else {
      // Still linked to this chat, still active, still allowed to read the conversation.
      const allowed = await db
        .selectFrom('telegram_link as l')
        .innerJoin('member as m', 'm.id', 'l.member_id')
        .innerJoin('conversation_member as cm', (join) =>
          join.onRef('cm.member_id', '=', 'm.id').on('cm.conversation_id', '=', conversation.id),
        )
        .select('m.id')
        .where('l.member_id', '=', payload.memberId ?? -1)
        .where('l.telegram_user_id', '=', payload.chatId)
        .where('m.status', '=', 'active')
        .executeTakeFirst()
      if (!allowed) return null
    }
    const [view] = await hydrateMessages(this.ctx.kinds, db, [row])
    if (!view) return null
    const timezone = await this.timezone()
    const appUrl = await this.appUrl()
    const who = view.author?.displayName ?? (view.guest ? `${view.guest.name} (guest)` : 'Someone')
    const renderer = this.bridge.registry.mirror(view.kind)
    let own: MirrorRendering | null = null
    if (renderer) {
      own = await renderer.render({
        view,
        conversation,
        send: payload,
        who,
        timezone,
        callbackData: async (prefix) => {
          if (payload.memberId === null) {
            // In a group the button is nobody's in particular: the press says who and where.
            if (payload.isGroup && this.bridge.registry.button(prefix)?.handleInGroup)
              return `${prefix}:${GROUP_BUTTON}`
            throw new Error('buttons are issued to a member')
          }
          const grant = { memberId: payload.memberId, messageId: row.id }
          return issueCallbackData(db, this.bridge.registry, prefix, grant, this.ctx.clock.now())
        },
      })
      if (!own) return null
    }
    const link = appUrl ? `${appUrl}${own?.appPath ?? `/chat/${conversation.id}?at=${row.id}`}` : null
    let header: string
    const conversationMirror = this.bridge.registry.conversationMirror(conversation.kind)
    if (own?.header !== undefined) header = own.header
    else if (conversationMirror) header = conversationMirror.header(view, conversation)
    else if (payload.isGroup) header = `<b>${escapeHtml(who)}</b>`
    else if (conversation.kind === 'direct') header = `<b>${escapeHtml(who)}</b> <i>· direct message</i>`
    else if (conversation.kind === 'board') header = `<b>${escapeHtml(who)}</b> <i>on the Board</i>`
    else header = `<b>${escapeHtml(who)}</b> in <b>#${escapeHtml(conversation.name)}</b>`
    const body = own?.body ?? view.body
    if (view.replyTo) {
      header += `\n↩ <i>${escapeHtml(view.replyTo.authorName || 'message')}: ${escapeHtml(view.replyTo.isDeleted ? 'deleted' : excerpt(view.replyTo.excerpt, 80))}</i>`
    }
    const keyboard: Keyboard = [...(own?.keyboard ?? [])]
    // Not in groups: guests there have no account, and the app's address is the shop's business.
    if (link && !payload.isGroup) keyboard.push([{ text: 'Open in app', url: link }])
    return {
      parts: partsOf(header, body, keyboard, own?.attachments ?? view.attachments),
      conversationId: conversation.id,
    }
  }
}

/** The text (as a caption when it fits one), then each file and location. */
export function partsOf(
  header: string,
  body: string,
  keyboard: Keyboard,
  attachments: readonly AttachmentView[],
): Part[] {
  const files = attachments.filter((a) => a.fileId !== null)
  const locations = attachments.filter((a) => a.kind === 'location')
  const parts: Part[] = []
  const full = header ? `${header}\n${escapeHtml(body)}` : escapeHtml(body)
  const mainKeyboard = keyboard.length ? keyboard : null
  const first = files[0]
  if (first && visibleLength(full) <= CAPTION_LIMIT && (first.size ?? 0) <= UPLOAD_LIMIT) {
    parts.push({
      key: 'main:caption',
      kind: mediaKind(first),
      fileId: first.fileId as number,
      html: full,
      keyboard: mainKeyboard,
    })
  } else {
    compose(header, body).forEach((html, i) =>
      parts.push({
        key: i === 0 ? 'main:text' : `text${i}`,
        kind: 'text',
        html,
        keyboard: i === 0 ? mainKeyboard : null,
      }),
    )
  }
  for (const attachment of files) {
    if (parts.some((p) => p.fileId === attachment.fileId)) continue
    if ((attachment.size ?? 0) > UPLOAD_LIMIT) {
      parts.push({
        key: `att${attachment.id}`,
        kind: 'text',
        html: `📎 ${escapeHtml(attachment.name)} is too large for Telegram; open it in the app.`,
      })
      continue
    }
    parts.push({ key: `att${attachment.id}`, kind: mediaKind(attachment), fileId: attachment.fileId as number })
  }
  for (const location of locations) {
    if (location.latitude === null || location.longitude === null) continue
    parts.push({
      key: `att${location.id}`,
      kind: 'location',
      location: { latitude: location.latitude, longitude: location.longitude },
    })
  }
  return parts
}

function mediaKind(attachment: { kind: string; mime: string | null; size: number | null }): Part['kind'] {
  const mime = attachment.mime ?? ''
  if (
    attachment.kind === 'image' &&
    /^image\/(jpeg|png|webp)$/.test(mime) &&
    (attachment.size ?? 0) <= 10 * 1024 * 1024
  )
    return 'photo'
  if (attachment.kind === 'video' && mime === 'video/mp4') return 'video'
  // Telegram plays OGG/Opus, MP3 and M4A as voice messages; anything else goes as a file.
  if (attachment.kind === 'audio' && /^audio\/(ogg|mpeg|mp4|webm)$/.test(mime)) return 'voice'
  return 'document'
}
