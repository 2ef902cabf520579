/**
 * Start-up settings from the environment, validated once. Everything a shop would
 * change at run time lives in the database instead (see server/settings).
 */
import path from 'node:path'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  port: number
  host: string
  dataDir: string
  /** Where backups go: DATA_DIR/backups unless BACKUP_DIR names another place (a USB stick, a NAS share). */
  backupDir: string
  publicUrl: URL | null
  logLevel: LogLevel
  /**
   * Passed to Fastify's trustProxy: false, true, a hop count or a list of addresses, CIDR
   * ranges and the names `loopback`, `linklocal`, `uniquelocal`. Only what it trusts may
   * set the client's address (sign-in limits, audit log) through X-Forwarded-For.
   */
  trustProxy: boolean | number | string
  /** Lets a monitoring system read /metrics from another machine (Authorization: Bearer). */
  metricsToken: string | null
  tlsCert: string | null
  tlsKey: string | null
  telegramApiRoot: string | null
  xeroApiBase: string | null
  xeroIdentityBase: string | null
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${variable} must be ${expected} (got "${actual}")`)
    this.name = 'ConfigError'
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function readPort(env: NodeJS.ProcessEnv): number {
  const raw = env.PORT
  if (raw === undefined || raw === '') return 8080
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new ConfigError('PORT', 'a whole number from 1 to 65535', raw)
  }
  return port
}

function readUrl(env: NodeJS.ProcessEnv, name: string): URL | null {
  const raw = env[name]
  if (raw === undefined || raw === '') return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, 'an absolute http:// or https:// URL', raw)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'an absolute http:// or https:// URL', raw)
  }
  return url
}

function readTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  const addresses = raw.split(',').map((part) => part.trim())
  const addressLike = /^([0-9a-fA-F:.]+(\/\d{1,3})?|loopback|linklocal|uniquelocal)$/
  if (addresses.every((address) => addressLike.test(address))) return addresses.join(',')
  throw new ConfigError(
    'TRUST_PROXY',
    '"true", "false", a hop count, or a comma-separated list of IP addresses, CIDR ranges or "loopback"',
    raw,
  )
}

/** Reads and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const host = env.HOST || '0.0.0.0'
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, String(env.LOG_LEVEL))
  }
  const publicUrl = readUrl(env, 'PUBLIC_URL')
  const tlsCert = env.TLS_CERT || null
  const tlsKey = env.TLS_KEY || null
  if ((tlsCert === null) !== (tlsKey === null)) {
    const missing = tlsCert === null ? 'TLS_CERT' : 'TLS_KEY'
    throw new ConfigError(missing, 'set together with the other of TLS_CERT and TLS_KEY (paths to PEM files)', '')
  }
  const dataDir = path.resolve(env.DATA_DIR || './data')
  return {
    port: readPort(env),
    host,
    dataDir,
    backupDir: env.BACKUP_DIR ? path.resolve(env.BACKUP_DIR) : path.join(dataDir, 'backups'),
    publicUrl,
    logLevel,
    trustProxy: readTrustProxy(env.TRUST_PROXY),
    metricsToken: env.METRICS_TOKEN || null,
    tlsCert,
    tlsKey,
    telegramApiRoot: readUrl(env, 'TELEGRAM_API_ROOT')?.toString() ?? null,
    xeroApiBase: readUrl(env, 'XERO_API_BASE')?.toString() ?? null,
    xeroIdentityBase: readUrl(env, 'XERO_IDENTITY_BASE')?.toString() ?? null,
  }
}
