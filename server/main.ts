/** Reads config, builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig, type Config } from './config'
import { buildApp, VERSION } from './app'
import { runCli } from './backup/cli'
import { IdleMemory, lastResortCollector, startIdleMemory } from './shared/idle-memory'

function findWebRoot(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [path.join(here, 'web'), path.join(here, '..', 'dist', 'web')]
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null
}

async function main(): Promise<void> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Backboard cannot start: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  const [command, ...args] = process.argv.slice(2)
  if (command) process.exit(await runCli(command, args, config, VERSION))

  const https =
    config.tlsCert && config.tlsKey
      ? { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }
      : null
  const { app, ctx } = await buildApp({ config, webRoot: findWebRoot(), https })
  // Memory goes back to the system after 30 s without a request, a new socket or a change.
  // Health checks (the container's, every 30 s) ask nothing of the shop and do not count.
  const idleMemory = new IdleMemory({ quietMs: 30_000, now: () => Date.now(), collect: lastResortCollector() })
  app.server.on('request', (request: { url?: string }) => {
    if (request.url !== '/healthz') idleMemory.noteActivity()
  })
  app.server.on('upgrade', () => idleMemory.noteActivity())
  ctx.write.onCommit(() => idleMemory.noteActivity())
  const idleCheck = startIdleMemory(idleMemory, 10_000)

  let isClosing = false
  const shutdown = async (signal: string) => {
    if (isClosing) return
    isClosing = true
    idleCheck.stop()
    app.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    // Requests in flight finish; their keep-alive connections are closed once idle.
    const idle = setInterval(() => app.server.closeIdleConnections(), 100)
    idle.unref()
    try {
      await app.close()
      process.exit(0)
    } catch (error) {
      app.log.error({ err: error }, 'error while shutting down')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))

  await app.listen({ port: config.port, host: config.host })
  app.log.info(
    `Backboard is serving on ${config.publicUrl?.origin ?? `http${https ? 's' : ''}://localhost:${config.port}`}, data in ${config.dataDir}`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Backboard failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(1)
})
