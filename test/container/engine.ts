/**
 * The container engine for the tests in this folder: podman's Docker-compatible API as
 * scripts/container-ci.sh leaves it running (found without DOCKER_HOST), or whatever Docker
 * engine testcontainers finds. What testcontainers has no call for goes to the engine's API
 * through dockerode, or to its own command line (`podman healthcheck run`, podman-compose),
 * pointed at the same engine.
 *
 * Where no engine answers, the tests skip and say how to get one; in CI (`CI=true`) they fail
 * instead, so that the image can never pass by not being tested.
 */
import { execFile, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import type Dockerode from 'dockerode'
import { getContainerRuntimeClient } from 'testcontainers'

/** Where scripts/container-ci.sh leaves podman's API. */
export const PODMAN_SOCKET = '/run/backboard-podman/podman.sock'
/**
 * The image scripts/container-ci.sh builds from this tree's ./Dockerfile: tagged with a hash
 * of the sources, so that a test never runs an image built from other sources.
 * BACKBOARD_TEST_IMAGE names another one (e.g. backboard:test, the last one built).
 */
export const IMAGE = process.env.BACKBOARD_TEST_IMAGE ?? `backboard:src-${sourceHash()}`

function sourceHash(): string {
  const script = path.join(import.meta.dirname, '../../scripts/container-source-hash.mjs')
  return execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim()
}

export interface Engine {
  kind: 'podman' | 'docker'
  /** The engine's API, e.g. unix:///run/backboard-podman/podman.sock. */
  host: string
  api: Dockerode
  /** Runs the engine's command line (podman in remote mode, or docker) against this engine. */
  cli(args: string[], options?: { env?: Record<string, string>; timeoutMs?: number; stderr?: boolean }): Promise<string>
}

const run = promisify(execFile)

/** The engine, or why there is none. */
export async function findEngine(): Promise<Engine | string> {
  if (!process.env.DOCKER_HOST && fs.existsSync(PODMAN_SOCKET)) process.env.DOCKER_HOST = `unix://${PODMAN_SOCKET}`
  let api: Dockerode
  try {
    api = (await getContainerRuntimeClient()).container.dockerode
  } catch (error) {
    return (
      `no container engine answers (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): ` +
      'run `sudo bash scripts/container-ci.sh` (podman, as in CI) or start Docker'
    )
  }
  const version = await api.version()
  const kind = version.Components?.some((c) => /podman/i.test(c.Name)) ? 'podman' : 'docker'
  // testcontainers' reaper (Ryuk) is an image that cannot be pulled here; the tests remove
  // what they start themselves.
  if (kind === 'podman') process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
  const cli: Engine['cli'] = async (args, options = {}) => {
    const [command, prefix, env] =
      kind === 'podman'
        ? ['podman', ['--remote', '--url', host], { CONTAINER_HOST: host }]
        : ['docker', [], { DOCKER_HOST: host }]
    const { stdout, stderr } = await run(command, [...prefix, ...args], {
      env: { ...process.env, ...env, ...options.env },
      timeout: options.timeoutMs ?? 60_000,
    })
    return (options.stderr ? stdout + stderr : stdout).trim()
  }
  return { kind, host, api, cli }
}

/**
 * The tap `skip` option for a test: false to run it, or why it cannot run. Outside CI the
 * test is skipped with that reason; in CI (`CI=true`) the file also fails, so that the image
 * can never pass by not being tested.
 */
export function skipping(t: Test, what: string, why: string | false): false | string {
  if (why && process.env.CI === 'true') t.fail(`${what} must run in CI: ${why}`)
  return why
}

/** Why a test needing the engine and this tree's image cannot run, or false. */
export async function missingEngineOrImage(engine: Engine | string): Promise<string | false> {
  if (typeof engine === 'string') return engine
  if (await imageExists(engine.api, IMAGE)) return false
  return `no ${IMAGE}, the image of this tree: run \`sudo bash scripts/container-ci.sh\` first`
}

export async function imageExists(api: Dockerode, image: string): Promise<boolean> {
  try {
    await api.getImage(image).inspect()
    return true
  } catch {
    return false
  }
}

/** Polls `url` until it answers 200 (after a container restart). */
export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** The session cookie ("bb_session=…") a response sets. */
export function sessionCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('bb_session='))
  if (!cookie) throw new Error(`no session cookie in ${response.status} ${response.url}`)
  return cookie.split(';')[0] ?? ''
}
