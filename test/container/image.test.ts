/**
 * Builds the Docker image, starts it, and checks /healthz and a sign-in. Needs a Docker
 * engine: where there is none (these CI machines have only the client), it skips and says so.
 */
import path from 'node:path'
import t from 'tap'
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers'

const root = path.resolve(import.meta.dirname, '../..')

async function hasContainerRuntime(): Promise<boolean> {
  try {
    await getContainerRuntimeClient()
    return true
  } catch {
    return false
  }
}

const skip = (await hasContainerRuntime())
  ? false
  : 'no container runtime (Docker engine) found on this machine: the image test runs wherever Docker runs'

t.test('the image builds, starts healthy and lets the owner sign in', { skip }, async (t) => {
  const image = await GenericContainer.fromDockerfile(root).build('backboard-test:latest', { deleteOnExit: true })
  const container = await image
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/healthz', 8080).forStatusCode(200))
    .withStartupTimeout(120_000)
    .start()
  t.teardown(() => container.stop())
  const base = `http://${container.getHost()}:${container.getMappedPort(8080)}`

  const health = await fetch(`${base}/healthz`)
  t.equal(health.status, 200)
  const setup = await fetch(`${base}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      shopName: 'Container Bakery',
      timezone: 'Europe/Lisbon',
      displayName: 'Olive Owner',
      username: 'olive',
      password: 'ovens warm up early',
    }),
  })
  t.equal(setup.status, 201)
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'olive', password: 'ovens warm up early' }),
  })
  t.equal(login.status, 200)
  t.match(login.headers.get('set-cookie') ?? '', /bb_session=/)
  const page = await fetch(`${base}/`)
  t.match(await page.text(), /<div id="app">|<title>Backboard/)
})
