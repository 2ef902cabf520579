/**
 * The Docker image, for real: started the way an owner runs it (a named volume at /data,
 * port 8080), then used over HTTP and the WebSocket, health-checked, restarted, stopped and
 * its database opened again. CI builds the image first with scripts/container-ci.sh (podman,
 * tagged with a hash of this tree's sources), so that tap's timeout is not spent on a cold
 * build; with a Docker engine and no such image, the test builds ./Dockerfile itself.
 */
import path from 'node:path'
import t from 'tap'
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers'
import { openSocket } from '../helpers/socket'
import { IMAGE, findEngine, missingEngineOrImage, sessionCookieOf, skipping, waitForHttp, type Engine } from './engine'

const root = path.resolve(import.meta.dirname, '../..')
const engine = await findEngine()
// With a Docker engine and no image of this tree, the test builds one; with podman, only
// scripts/container-ci.sh can (npm needs the machine's CA bundle during the build).
const missing = await missingEngineOrImage(engine)
const canBuild = typeof engine !== 'string' && engine.kind === 'docker'
const skip = skipping(t, 'the image test', canBuild ? false : missing)

const OWNER = { username: 'olive', password: 'ovens warm up early' }
const json = { 'content-type': 'application/json' }

async function post(url: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...json, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) })
}

async function exec(container: StartedTestContainer, command: string[], user?: string): Promise<string> {
  const result = await container.exec(command, user ? { user } : {})
  if (result.exitCode !== 0) throw new Error(`${command.join(' ')} exited ${result.exitCode}: ${result.output}`)
  return result.stdout.trim()
}

/** `podman healthcheck run` where podman has no timer to run it; Docker runs it by itself. */
async function healthOf(engine: Engine, id: string): Promise<string> {
  const container = engine.api.getContainer(id)
  if (engine.kind === 'podman') {
    await engine.cli(['healthcheck', 'run', id]).catch((error: Error) => t.comment(error.message))
    return (await container.inspect()).State.Health?.Status ?? 'none'
  }
  const deadline = Date.now() + 90_000
  for (;;) {
    const status = (await container.inspect()).State.Health?.Status ?? 'none'
    if (status !== 'starting' || Date.now() > deadline) return status
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

t.test('the image serves, keeps its data in /data and stops cleanly', { skip }, async (t) => {
  const { api } = engine as Engine
  if (missing) {
    t.comment(`${missing}: building ./Dockerfile`)
    await GenericContainer.fromDockerfile(root).build(IMAGE, { deleteOnExit: false })
  } else {
    t.comment(`using ${IMAGE}, built from this tree`)
  }

  // A named volume, as in compose.yaml: it must outlive the container.
  const volume = `backboard-test-data-${process.pid}-${Date.now()}`
  await api.createVolume({ Name: volume })
  let container: StartedTestContainer | null = null
  t.teardown(async () => {
    await container?.stop({ remove: true, removeVolumes: false, timeout: 1000 }).catch(() => undefined)
    await api
      .getVolume(volume)
      .remove()
      .catch(() => undefined)
  })
  container = await new GenericContainer(IMAGE)
    .withExposedPorts(8080)
    .withBindMounts([{ source: volume, target: '/data', mode: 'rw' }])
    .withWaitStrategy(Wait.forHttp('/healthz', 8080).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start()
  const started = container
  let base = `http://${started.getHost()}:${started.getMappedPort(8080)}`

  t.equal((await fetch(`${base}/healthz`)).status, 200, '/healthz answers')
  const page = await fetch(`${base}/`)
  t.match(await page.text(), /<div id="app">|<title>Backboard/, 'the web app is served')

  const setup = await post(`${base}/api/setup`, {
    shopName: 'Container Bakery',
    timezone: 'Europe/Lisbon',
    displayName: 'Olive Owner',
    ...OWNER,
  })
  t.equal(setup.status, 201, 'first-run setup')
  const login = await post(`${base}/api/auth/login`, OWNER)
  t.equal(login.status, 200, 'the owner signs in')
  const cookie = sessionCookieOf(login)

  const channel = await post(
    `${base}/api/conversations`,
    { kind: 'channel', name: 'front-of-house', isPrivate: false, memberIds: [] },
    cookie,
  )
  t.equal(channel.status, 201, 'a channel is made')
  const { id: channelId } = (await channel.json()) as { id: number }

  const socket = await openSocket(base, cookie)
  t.teardown(() => socket.close())
  await socket.waitFor((f) => f.kind === 'caught-up', 10_000)
  const sent = await post(
    `${base}/api/conversations/${channelId}/messages`,
    { body: 'Sourdough is out of the oven', clientKey: `container-${process.pid}` },
    cookie,
  )
  t.equal(sent.status, 201, 'a message is posted')
  const message = (await sent.json()) as { id: number; body: string }
  const frame = await socket.waitFor(
    (f) => f.type === 'message.created' && (f.data as { message: { id: number } }).message.id === message.id,
    10_000,
  )
  t.match(frame.data, { message: { body: 'Sourdough is out of the oven' } }, 'the WebSocket delivers it')
  await socket.close()
  const history = async (cookie: string) => {
    const response = await fetch(`${base}/api/conversations/${channelId}/messages?limit=10`, { headers: { cookie } })
    return ((await response.json()) as { messages: { id: number; body: string }[] }).messages
  }
  const posted = (messages: { id: number; body: string }[]) =>
    messages.some((m) => m.id === message.id && m.body === 'Sourdough is out of the oven')
  t.ok(posted(await history(cookie)), 'the API reads it back')

  const engineNow = engine as Engine
  t.equal(await healthOf(engineNow, started.getId()), 'healthy', 'the health check says healthy')

  const inspected = await api.getContainer(started.getId()).inspect()
  t.equal(inspected.Config.User, 'node', 'the image runs as node')
  t.match(await exec(started, ['cat', '/proc/1/status']), /^Uid:\s+1000\s/m, 'the server process is uid 1000, not root')
  t.match(await exec(started, ['cat', '/proc/1/cmdline']), /^node\0dist\/server\.js/, 'node is process 1')

  // Only what the server needs, and nothing CI gave the build (the CA bundle, npm settings).
  t.equal(await exec(started, ['ls', '-A', '/usr/local/etc']), '', '/usr/local/etc is empty')
  t.equal(
    await exec(started, ['find', '/', '-xdev', '(', '-name', 'npmrc', '-o', '-name', '.npmrc', ')'], 'root'),
    '',
    'no npmrc anywhere',
  )
  t.equal(await exec(started, ['npm', 'config', 'get', 'cafile']), 'null', 'npm has no CA file set')
  t.equal(
    await exec(started, ['sh', '-c', 'ls -A /app /app/node_modules | tr "\\n" " "']),
    '/app: dist node_modules package.json  /app/node_modules: better-sqlite3 bindings file-uri-to-path',
    '/app holds the build and the SQLite module only',
  )
  t.equal(
    await exec(started, ['find', '/app', '-name', '*.map', '-o', '-name', '*.ts*', '-not', '-name', '*.d.ts']),
    '',
    'no sources, no source maps',
  )
  t.equal(
    await exec(started, ['sh', '-c', 'for c in g++ gcc make python3; do command -v $c; done; true']),
    '',
    'no build tools',
  )

  // A restart keeps everything in /data.
  await started.restart()
  base = `http://${started.getHost()}:${started.getMappedPort(8080)}`
  await waitForHttp(`${base}/healthz`)
  const again = await post(`${base}/api/auth/login`, OWNER)
  t.equal(again.status, 200, 'the owner signs in after a restart')
  t.ok(posted(await history(sessionCookieOf(again))), 'the message survived the restart')

  // `podman stop -t 10`: SIGTERM, then SIGKILL after 10 s. A graceful shutdown is quick, exits 0
  // and checkpoints the WAL into the database file.
  const before = Date.now()
  await api.getContainer(started.getId()).stop({ t: 10 })
  const seconds = (Date.now() - before) / 1000
  t.ok(seconds < 10, `stopped in ${seconds.toFixed(1)} s, before the 10 s kill`)
  const stopped = await api.getContainer(started.getId()).inspect()
  t.equal(stopped.State.ExitCode, 0, 'exit code 0')

  const output = await (engine as Engine).cli([
    'run',
    '--rm',
    '--no-healthcheck',
    '-v',
    `${volume}:/data`,
    IMAGE,
    'node',
    '-e',
    `const fs = require('node:fs'); const Database = require('better-sqlite3');
     const wal = fs.existsSync('/data/backboard.db-wal') ? fs.statSync('/data/backboard.db-wal').size : 0;
     const db = new Database('/data/backboard.db', { fileMustExist: true });
     console.log(JSON.stringify({ wal, quickCheck: db.pragma('quick_check', { simple: true }),
       body: db.prepare('select body from message where id = ?').pluck().get(${message.id}) }));`,
  ])
  t.same(
    JSON.parse(output.split('\n').at(-1) ?? '{}'),
    { wal: 0, quickCheck: 'ok', body: 'Sourdough is out of the oven' },
    'the database opens cleanly: nothing left in the WAL, quick_check ok, the message in it',
  )
})
