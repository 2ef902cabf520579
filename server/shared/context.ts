import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config'
import type { Database } from '../db/database'
import type { Clock } from './clock'
import type { Writer } from './write'
import type { Hub } from '../realtime/hub'
import type { PresenceTracker } from '../realtime/presence'
import type { Outbox } from '../outbox/service'
import type SQLite from 'better-sqlite3'
import type { IntegrationStatus } from '../system/service'
import type { TelegramService } from '../telegram/service'

/** What every service needs; built once in buildApp and passed down. */
export interface AppContext {
  config: Config
  db: Database
  write: Writer
  clock: Clock
  hub: Hub
  presence: PresenceTracker
  outbox: Outbox
  /** The raw connection, for what Kysely does not do (online backups). */
  sqlite: SQLite.Database
  /** Each integration reports its state for the system page. */
  integrations: Map<string, () => IntegrationStatus>
  log: FastifyBaseLogger
  version: string
  /** Free and total bytes of the disk holding `dir`. */
  diskSpace: (dir: string) => { freeBytes: number; totalBytes: number }
  /** The Telegram bridge (idle until the owner connects a bot). */
  telegram: TelegramService
}
