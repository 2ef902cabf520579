/** Everyone in the shop (for pickers, mentions and names) and how conversations are named. */
import { signal } from '@preact/signals'
import { api, type MemberDetail } from '../../lib/api'
import { t } from '../../lib/i18n'
import { subscribeLive } from '../../lib/live'
import { me } from '../../lib/session'
import type { Conversation, MessageView } from './chat-api'

export const activeMembers = signal<readonly MemberDetail[] | null>(null)

let isLoading = false
let isSubscribed = false

async function loadMembers(): Promise<void> {
  if (isLoading) return
  isLoading = true
  try {
    const list = await api.members('active')
    activeMembers.value = list
      .filter((member) => member.role !== 'display')
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
  } catch {
    // Pickers show what they have; the next use tries again.
  } finally {
    isLoading = false
  }
}

/** The shop's active people (not wall displays), loaded on first use and kept current. */
export function ensureMembers(): void {
  if (!isSubscribed) {
    isSubscribed = true
    subscribeLive((event) => {
      if (event === null || event.type.startsWith('member.')) void loadMembers()
    })
  }
  if (!activeMembers.value) void loadMembers()
}

export function memberName(id: number): string | null {
  return activeMembers.value?.find((member) => member.id === id)?.displayName ?? null
}

/** The role shown beside an author's name in chat: owners and managers only, so nobody passes for one. */
export function rankOf(id: number | undefined): 'owner' | 'manager' | null {
  const role = activeMembers.value?.find((member) => member.id === id)?.role
  return role === 'owner' || role === 'manager' ? role : null
}

/** The others in a direct conversation (everyone but me). */
export function otherPeople(conversation: Pick<Conversation, 'members'>) {
  const myId = me.value?.member.id
  return conversation.members.filter((person) => person.id !== myId)
}

/** What a conversation is called in lists and headings. */
export function conversationTitle(conversation: Pick<Conversation, 'kind' | 'name' | 'members'>): string {
  if (conversation.kind === 'board') return t('chat.boardName')
  // The member's own conversation with Xero is named by the server ("Xero"), not after its one member.
  if (conversation.kind === 'channel' || conversation.kind === 'customer' || conversation.kind === 'xero')
    return conversation.name
  const others = otherPeople(conversation)
  return others.length ? others.map((person) => person.displayName).join(', ') : t('chat.justYou')
}

/** "Maria", "Maria and Tom", "Maria, Tom and 2 others". */
export function listNames(names: readonly string[]): string {
  if (names.length === 0) return ''
  if (names.length === 1) return names[0] as string
  if (names.length === 2) return t('chat.twoNames', { a: names[0] as string, b: names[1] as string })
  if (names.length === 3)
    return t('chat.threeNames', { a: names[0] as string, b: names[1] as string, c: names[2] as string })
  return t('chat.manyNames', { a: names[0] as string, b: names[1] as string, count: names.length - 2 })
}

/** Who wrote a message: the member, or the guest who wrote in a linked Telegram group. */
export function authorNameOf(message: Pick<MessageView, 'author' | 'guest'>, fallback = t('chat.someone')): string {
  return message.author?.displayName ?? message.guest?.name ?? fallback
}
