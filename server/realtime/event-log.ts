/**
 * How long the event log is kept. The log exists so that a reconnecting client can
 * resume without gaps; a client more than MAX_REPLAY events behind is told to resync
 * instead, and so is one whose last event is older than the oldest kept. Rows beyond both
 * bounds serve no one, so the log is cut by age and by count, whichever removes more:
 * a busy or abused shop cannot grow it without limit, a quiet one keeps its month.
 */
import type { Database } from '../db/database'
import { MAX_REPLAY } from './hub'
import { deleteEvents, selectEventBounds } from './repo'

export const EVENT_LOG_DAYS = 30
/** Several replays' worth, so that a client a little behind still resumes after a burst. */
export const EVENT_LOG_MAX_ROWS = 4 * MAX_REPLAY

/**
 * Deletes events older than EVENT_LOG_DAYS and all but the newest EVENT_LOG_MAX_ROWS
 * (ids keep increasing regardless: the table is AUTOINCREMENT). Returns how many went.
 */
export async function pruneEventLog(db: Database, now: number): Promise<number> {
  const { maxId } = await selectEventBounds(db)
  if (maxId === 0) return 0
  return deleteEvents(db, now - EVENT_LOG_DAYS * 86_400_000, maxId - EVENT_LOG_MAX_ROWS)
}
