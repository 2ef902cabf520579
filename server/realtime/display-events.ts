/**
 * What a wall display receives over /ws. A wall shows the board, who is on shift, the
 * pages marked for the wall and the shop's name, and it only needs to know when to fetch
 * its feed again. So a display gets an allow-list of event types (a new type stays away
 * from walls until it is added here), and member and page events reduced to what the wall
 * needs: that an entry changed, never the member's username, role or permissions, nor the
 * title of a page that is not on the wall. A wall may show the open tasks of every open
 * channel without being in any: it gets every task change, reduced to "a task changed",
 * and its feed decides which tasks it shows.
 */
import type { EventType, StoredEvent } from './events'

export const DISPLAY_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  // The board's messages and notices (the conversation check still applies).
  'message.created',
  'message.updated',
  'message.deleted',
  'notice.acknowledged',
  'notice.unpinned',
  // Who is on shift.
  'presence.changed',
  'directory.changed',
  'member.joined',
  'member.updated',
  'member.deactivated',
  'member.reactivated',
  // Pages on the wall, and the shop's name and time zone.
  'page.changed',
  'page.deleted',
  'shop.updated',
  // The tasks panel (reduced below: never a title or a name).
  'task.changed',
])

/** Types a display receives from conversations it is not in (reduced by displayView). */
export const DISPLAY_ANY_CONVERSATION_TYPES: ReadonlySet<EventType> = new Set<EventType>(['task.changed'])

/** The event as a display receives it: the same object when nothing needs removing. */
export function displayView(event: StoredEvent): StoredEvent {
  switch (event.type) {
    case 'member.joined':
    case 'member.updated':
    case 'member.reactivated': {
      const { member } = event.data as StoredEvent<'member.updated'>['data']
      return { ...event, type: 'directory.changed', data: { memberId: member.id } }
    }
    case 'page.changed': {
      const page = event.data as StoredEvent<'page.changed'>['data']
      return page.showOnWall ? event : { ...event, data: { ...page, title: '' } }
    }
    case 'task.changed': {
      // The change may be in a private channel: only that some task changed.
      const task = event.data as StoredEvent<'task.changed'>['data']
      return { ...event, data: { ...task, conversationId: 0, title: '', takenBy: null, by: null, memberId: null } }
    }
    default:
      return event
  }
}
