import type { FastifyBaseLogger } from 'fastify'
import type SQLite from 'better-sqlite3'
import type { Config } from '../config'
import type { Database } from '../db/database'
import type { Clock } from './clock'
import type { Writer } from './write'
import type { IntegrationStatus, LiveConnections, OutboxPort, PresencePort } from './ports'

/**
 * What every service needs; built once in buildApp and passed down. The running parts are
 * reached through the small interfaces in ports.ts, so this floor names no feature: buildApp
 * plugs realtime's hub and presence and the outbox in. A feature that offers a registry to
 * others adds it here from its own folder by declaration merging, the way Fastify plugins
 * decorate the instance (conversations/kinds.ts adds `kinds`).
 */
export interface AppContext {
  config: Config
  db: Database
  write: Writer
  clock: Clock
  hub: LiveConnections
  presence: PresencePort
  outbox: OutboxPort
  /** The raw connection, for what Kysely does not do (online backups). */
  sqlite: SQLite.Database
  /** Each integration reports its state for the system page. */
  integrations: Map<string, () => IntegrationStatus>
  log: FastifyBaseLogger
  version: string
  /** Free and total bytes of the disk holding `dir`. */
  diskSpace: (dir: string) => { freeBytes: number; totalBytes: number }
}
