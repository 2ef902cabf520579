/**
 * compose.yaml, brought up the way the README says, with Debian's podman-compose against
 * the image scripts/container-ci.sh built from this tree (tagged backboard:latest, the name
 * compose.yaml gives it, so nothing is built or pulled):
 *
 * - the default set-up: the backboard service alone, on every network of the machine;
 * - the `https` set-up (deploy/compose/https.env copied to .env): the backboard service with
 *   port 8080 on this machine only and the proxy settings for Caddy. Caddy's images cannot be
 *   pulled here (no image registry) and the https-dns one is built from caddy:2-builder, so
 *   for the two Caddy services the test checks the file's structure instead and says so.
 *
 * The project runs from a temporary copy of compose.yaml whose only change is the host port
 * (a free one instead of 8080, which may be busy on a shared machine); deploy/ is linked in.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { IMAGE, findEngine, missingEngineOrImage, skipping, type Engine } from './engine'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

const engine = await findEngine()
async function whyNot(): Promise<string | false> {
  const missing = await missingEngineOrImage(engine)
  if (missing) return missing
  if ((engine as Engine).kind !== 'podman') return 'the compose test drives podman-compose; this engine is Docker'
  const installed = await run('podman-compose', ['version']).then(
    () => true,
    () => false,
  )
  return installed
    ? false
    : 'podman-compose is not installed (apt-get install podman-compose; scripts/container-ci.sh does)'
}
const skip = skipping(t, 'the compose test', await whyNot())

interface Service {
  image?: string
  build?: unknown
  profiles?: string[]
  ports?: string[]
  volumes?: string[]
  environment?: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] | string }
}

/** compose.yaml as data (PyYAML, which podman-compose itself uses). */
async function parse(file: string): Promise<{ services: Record<string, Service>; volumes: Record<string, unknown> }> {
  const { stdout } = await run('python3', [
    '-c',
    'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)',
    file,
  ])
  return JSON.parse(stdout)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** The key=value lines of an env file. */
function readEnvFile(file: string): Record<string, string> {
  const entries = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
  return Object.fromEntries(entries.map(([, key, value]) => [key, value]))
}

t.test('compose.yaml describes one Backboard service and Caddy in front for HTTPS', async (t) => {
  const { services, volumes } = await parse(path.join(root, 'compose.yaml'))
  const service = (name: string): Service => services[name] ?? {}
  const byDefault = Object.keys(services).filter((name) => !service(name).profiles)
  t.same(byDefault, ['backboard'], 'the default set-up is the backboard service alone')
  const backboard = service('backboard')
  t.equal(backboard.image, 'backboard:latest')
  t.equal(backboard.build, '.', 'built from ./Dockerfile')
  t.ok(backboard.volumes?.includes('backboard-data:/data') && 'backboard-data' in volumes, 'data in the named volume')
  t.match(backboard.ports, [/8080:8080$/], 'port 8080')
  t.ok(backboard.healthcheck, 'with a health check')

  t.comment(
    "Caddy's images (caddy:2, caddy:2-builder) cannot be pulled here: the Caddy services are checked as written",
  )
  const caddy = service('caddy')
  t.same(caddy.profiles, ['https'], 'caddy belongs to the https profile')
  t.equal(caddy.image, 'caddy:2')
  const caddyDns = service('caddy-dns')
  t.same(caddyDns.profiles, ['https-dns'], 'caddy-dns belongs to the https-dns profile')
  t.equal(caddyDns.build, './deploy/caddy')
  t.ok(fs.existsSync(path.join(root, 'deploy/caddy/Dockerfile')), 'its Dockerfile is there')
  for (const [name, service] of [
    ['caddy', caddy],
    ['caddy-dns', caddyDns],
  ] as const) {
    t.same(service.depends_on, { backboard: { condition: 'service_healthy' } }, `${name} waits for a healthy backboard`)
    t.same(service.ports, ['80:80', '443:443'], `${name} serves 80 and 443`)
    const caddyfile = service.volumes?.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))
    t.ok(caddyfile, `${name} mounts a Caddyfile`)
    const file = path.join(root, caddyfile?.split(':')[0] ?? '-')
    t.ok(fs.existsSync(file), `${caddyfile?.split(':')[0]} exists`)
    if (fs.existsSync(file))
      t.match(fs.readFileSync(file, 'utf8'), /reverse_proxy backboard:8080/, 'and proxies to backboard')
  }
})

/**
 * Brings up the backboard service of a copy of compose.yaml (host port `port`), with `dotenv`
 * as the project's .env, and returns the project name and the temporary folder.
 */
async function composeUp(
  t: Test,
  port: number,
  dotenv: string | null,
): Promise<{ project: string; cli: Engine['cli']; compose: (args: string[]) => Promise<string> }> {
  const { cli, host } = engine as Engine
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-compose-'))
  const original = fs.readFileSync(path.join(root, 'compose.yaml'), 'utf8')
  const copy = original.replace(/(- ['"]?(?:[^'"\s]*:)?)8080:8080/, `$1${port}:8080`)
  if (copy === original) throw new Error("compose.yaml's port line is not host:8080:8080 any more: update this test")
  fs.writeFileSync(path.join(dir, 'compose.yaml'), copy)
  fs.symlinkSync(path.join(root, 'deploy'), path.join(dir, 'deploy'))
  if (dotenv) fs.copyFileSync(dotenv, path.join(dir, '.env'))
  const project = `bbcompose${process.pid}${port}`
  const compose = async (args: string[]) => {
    const { stdout } = await run('podman-compose', ['-p', project, '-f', 'compose.yaml', ...args], {
      cwd: dir,
      env: { ...process.env, CONTAINER_HOST: host },
      timeout: 120_000,
    })
    return stdout
  }
  t.teardown(async () => {
    await compose(['down', '-v']).catch(() => undefined)
    const left = await cli(['ps', '-aq', '--filter', `label=io.podman.compose.project=${project}`]).catch(() => '')
    if (left) await cli(['rm', '-f', ...left.split('\n')]).catch(() => undefined)
    fs.rmSync(dir, { recursive: true, force: true })
  })
  await compose(['up', '-d', '--no-build', 'backboard'])
  return { project, cli, compose }
}

/**
 * Waits for /healthz. A server that cannot start exits and is restarted (restart:
 * unless-stopped): then the test fails at once, with the container's last log lines.
 */
async function expectServing(t: Test, cli: Engine['cli'], container: string, url: string): Promise<boolean> {
  const deadline = Date.now() + 45_000
  for (;;) {
    const answered = await fetch(url, { signal: AbortSignal.timeout(5000) }).then(
      (response) => response.ok,
      () => false,
    )
    if (answered) {
      t.pass(`${url} answers`)
      return true
    }
    const restarts = Number(await cli(['inspect', '--format', '{{.RestartCount}}', container]).catch(() => '0'))
    if (restarts > 0 || Date.now() > deadline) {
      const logs = await cli(['logs', '--tail', '3', container], { stderr: true }).catch(
        (error: Error) => error.message,
      )
      t.fail(`the backboard service does not answer on ${url} (restarted ${restarts} times); its log ends:\n${logs}`)
      return false
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

async function expectHealthy(t: Test, cli: Engine['cli'], container: string): Promise<void> {
  const status = await cli(['healthcheck', 'run', container]).then(
    () => 'healthy',
    (error: { stdout?: string }) => error.stdout?.trim() || 'failed',
  )
  const test = await cli(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', container])
  t.equal(status, 'healthy', 'podman healthcheck run says healthy', { healthcheck: test })
}

t.test('podman-compose brings up the default set-up', { skip }, async (t) => {
  const { cli } = engine as Engine
  await cli(['tag', IMAGE, 'backboard:latest'])
  const port = await freePort()
  const { project } = await composeUp(t, port, null)
  const container = `${project}_backboard_1`
  t.match(await cli(['port', container, '8080']), new RegExp(`^0\\.0\\.0\\.0:${port}$`), 'published on every network')
  if (!(await expectServing(t, cli, container, `http://127.0.0.1:${port}/healthz`))) return
  await expectHealthy(t, cli, container)
  const mounts = await cli(['inspect', '--format', '{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}', container])
  t.match(mounts, `${project}_backboard-data:/data`, 'data in the backboard-data volume')
  const env = await cli(['inspect', '--format', '{{json .Config.Env}}', container])
  t.ok((JSON.parse(env) as string[]).includes('TRUST_PROXY=false'), 'no proxy is believed')
})

t.test("podman-compose brings up the https set-up's backboard service", { skip }, async (t) => {
  const { cli } = engine as Engine
  const envFile = path.join(root, 'deploy/compose/https.env')
  if (!fs.existsSync(envFile)) {
    t.fail('deploy/compose/https.env, the https set-up compose.yaml names, is missing')
    return
  }
  await cli(['tag', IMAGE, 'backboard:latest'])
  const settings = readEnvFile(envFile)
  const port = await freePort()
  const { project } = await composeUp(t, port, envFile)
  const container = `${project}_backboard_1`
  const bind = settings.BACKBOARD_BIND ?? '0.0.0.0'
  t.equal(bind, '127.0.0.1', 'https.env keeps port 8080 on this machine')
  t.equal(await cli(['port', container, '8080']), `${bind}:${port}`, `published on ${bind} only`)
  if (!(await expectServing(t, cli, container, `http://127.0.0.1:${port}/healthz`))) return
  await expectHealthy(t, cli, container)
  const env = JSON.parse(await cli(['inspect', '--format', '{{json .Config.Env}}', container])) as string[]
  for (const key of ['PUBLIC_URL', 'TRUST_PROXY']) {
    t.ok(env.includes(`${key}=${settings[key]}`), `${key}=${settings[key]} reaches the server`)
  }
})
