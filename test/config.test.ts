import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ConfigError, loadConfig } from '../server/config'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

t.test('an empty environment gives the documented defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 8080)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.dataDir, path.resolve('./data'))
  t.ok(path.isAbsolute(config.dataDir), 'DATA_DIR is resolved to an absolute path')
  t.equal(config.publicUrl, null)
  t.equal(config.logLevel, 'info')
  t.equal(config.trustProxy, false)
  t.equal(config.tlsCert, null)
  t.equal(config.tlsKey, null)
})

t.test('good values are read and typed', async (t) => {
  const config = loadConfig({
    PORT: '3000',
    HOST: '127.0.0.1',
    DATA_DIR: '/var/lib/backboard',
    PUBLIC_URL: 'https://board.example.com',
    LOG_LEVEL: 'warn',
    TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
    TLS_CERT: '/etc/cert.pem',
    TLS_KEY: '/etc/key.pem',
  })
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.dataDir, '/var/lib/backboard')
  t.equal(config.publicUrl?.origin, 'https://board.example.com')
  t.equal(config.logLevel, 'warn')
  t.equal(config.trustProxy, '10.0.0.0/8,192.168.1.1')
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2)
  t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
})

const badValues: [string, Record<string, string>][] = [
  ['PORT', { PORT: 'abc' }],
  ['PORT', { PORT: '70000' }],
  ['PORT', { PORT: '0' }],
  ['PORT', { PORT: '80.5' }],
  ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ['PUBLIC_URL', { PUBLIC_URL: 'notaurl' }],
  ['PUBLIC_URL', { PUBLIC_URL: 'ftp://board.example.com' }],
  ['TRUST_PROXY', { TRUST_PROXY: 'garbage' }],
  ['TLS_KEY', { TLS_CERT: '/etc/cert.pem' }],
  ['TLS_CERT', { TLS_KEY: '/etc/key.pem' }],
  ['TELEGRAM_API_ROOT', { TELEGRAM_API_ROOT: 'not a url' }],
]

for (const [variable, env] of badValues) {
  const [name, value] = Object.entries(env)[0] as [string, string]
  t.test(`${name}=${value} is refused with a ConfigError naming ${variable}`, async (t) => {
    t.throws(() => loadConfig(env), ConfigError)
    t.throws(() => loadConfig(env), { variable, message: new RegExp(`^${variable} must be`) })
  })
}

t.test('the server refuses to start with PORT=abc, says why on stderr and exits non-zero', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: 'abc', DATA_DIR: path.join(repoRoot, '.tap', 'never-created') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += String(chunk)))
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  t.not(exitCode, 0)
  t.not(exitCode, null, 'exits by itself rather than being killed')
  t.match(stderr, /PORT/)
  t.match(stderr, /abc/)
})
