// npm run dev: the API server (restarted on change by tsx watch) and Vite's dev server
// (with hot reload, proxying /api and /ws to the API) together. Ctrl-C stops both.
import { spawn } from 'node:child_process'

const children = [
  { name: 'server', color: 36, command: ['npx', 'tsx', 'watch', 'server/main.ts'] },
  { name: 'web', color: 35, command: ['npx', 'vite', '--config', 'web/vite.config.ts'] },
]

let isStopping = false
let exitCode = 0

function prefixLines(name, color, stream, target) {
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) target.write(`\x1b[${color}m[${name}]\x1b[0m ${line}\n`)
  })
  stream.on('end', () => {
    if (rest) target.write(`\x1b[${color}m[${name}]\x1b[0m ${rest}\n`)
  })
}

function stopAll(signal = 'SIGTERM') {
  for (const child of children) {
    if (!child.process || child.process.exitCode !== null || child.process.signalCode !== null) continue
    try {
      // Each child leads its own process group, so npx and what it started stop together.
      process.kill(-child.process.pid, signal)
    } catch {
      // Already gone.
    }
  }
}

function shutdown(code) {
  if (isStopping) return
  isStopping = true
  exitCode = code
  stopAll('SIGTERM')
  // Anything still running after a grace period is killed outright.
  globalThis.setTimeout(() => stopAll('SIGKILL'), 5000).unref()
}

for (const child of children) {
  const [command, ...args] = child.command
  child.process = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
  })
  prefixLines(child.name, child.color, child.process.stdout, process.stdout)
  prefixLines(child.name, child.color, child.process.stderr, process.stderr)
  child.process.on('exit', (code, signal) => {
    if (!isStopping) {
      process.stderr.write(`[${child.name}] exited (${signal ?? code}); stopping the others\n`)
      shutdown(code ?? 1)
    }
    if (children.every((c) => c.process.exitCode !== null || c.process.signalCode !== null)) process.exit(exitCode)
  })
}

process.on('SIGINT', () => shutdown(0))
process.on('SIGTERM', () => shutdown(0))
process.on('exit', () => stopAll('SIGKILL'))
