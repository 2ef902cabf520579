/**
 * Every migration, listed by hand: a bundle cannot scan a folder. Names sort by date;
 * a landed migration is never edited, only followed by a new one.
 */
import type { Migration } from 'kysely'
import * as foundation from './2026-11-22-1600-foundation'
import * as conversations from './2026-11-22-1700-conversations'
import * as wallDirectoryPages from './2026-11-22-1800-wall-directory-pages'
import * as outboxOperations from './2026-11-22-1900-outbox-operations'
import * as push from './2026-11-22-2000-push'
import * as telegram from './2026-11-22-2100-telegram'
import * as messageRevision from './2026-12-02-1020-message-revision'
import * as tasks from './2026-12-02-1100-tasks'
import * as displayTasks from './2026-12-02-1210-display-tasks'
import * as customers from './2026-12-02-1400-customers'
import * as xero from './2026-12-02-1500-xero'
import * as xeroCards from './2026-12-02-1600-xero-cards'

export const migrations: Record<string, Migration> = {
  '2026-11-22-1600-foundation': foundation,
  '2026-11-22-1700-conversations': conversations,
  '2026-11-22-1800-wall-directory-pages': wallDirectoryPages,
  '2026-11-22-1900-outbox-operations': outboxOperations,
  '2026-11-22-2000-push': push,
  '2026-11-22-2100-telegram': telegram,
  '2026-12-02-1020-message-revision': messageRevision,
  '2026-12-02-1100-tasks': tasks,
  '2026-12-02-1210-display-tasks': displayTasks,
  '2026-12-02-1400-customers': customers,
  '2026-12-02-1500-xero': xero,
  '2026-12-02-1600-xero-cards': xeroCards,
}
