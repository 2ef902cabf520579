/**
 * Xero's accounting API as its own OpenAPI contract describes it, on loopback: Stoplight Prism
 * serving `../shared/xero/xero_accounting.yaml` (the contract's example answers; a request
 * the contract does not allow gets a 4xx), behind a small proxy.
 *
 * The proxy exists because the contract's server is https://api.xero.com/api.xro/2.0, so
 * Prism serves `/Invoices` while the client calls `{apiBase}/api.xro/2.0/Invoices`: the proxy
 * strips the prefix. It also refuses a query parameter the contract does not declare for the
 * operation, which Prism lets through, so a misspelt `searchTerm` fails a test instead of
 * being ignored as the real Xero would ignore it.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import path from 'node:path'
import { parse } from 'yaml'

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')
/** CI checks the shared folder out beside the clone. */
export const XERO_SPEC = path.resolve(REPO_ROOT, '..', 'shared', 'xero', 'xero_accounting.yaml')
const PRISM = path.join(REPO_ROOT, 'node_modules', '.bin', 'prism')
const PREFIX = '/api.xro/2.0'
/** Prism takes 10 to 20 s to read the contract on a small machine. */
const START_TIMEOUT_MS = 120_000

export interface PrismRequest {
  method: string
  /** Without the /api.xro/2.0 prefix, as the contract names it: /Invoices. */
  path: string
  query: URLSearchParams
  status: number
}

export interface XeroPrism {
  /** For XeroClient's apiBase: `${apiBase}/api.xro/2.0/Invoices` reaches the contract. */
  apiBase: string
  /** Every request that reached the proxy, in order, with the status it got. */
  requests: PrismRequest[]
  /** How long Prism took to listen. */
  startupMs: number
  close(): Promise<void>
}

type Operations = Map<string, Map<string, Set<string>>>

interface SpecParameter {
  $ref?: string
  in?: string
  name?: string
}

/** The query parameters each operation declares: template path → method → names. */
async function declaredQueries(): Promise<Operations> {
  const spec = parse(await readFile(XERO_SPEC, 'utf8')) as {
    paths: Record<string, Record<string, { parameters?: SpecParameter[] } | SpecParameter[]>>
    components: { parameters: Record<string, SpecParameter> }
  }
  const resolve = (parameter: SpecParameter) =>
    parameter.$ref ? spec.components.parameters[parameter.$ref.split('/').pop()!] : parameter
  const operations: Operations = new Map()
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = (item.parameters as SpecParameter[] | undefined) ?? []
    const methods = new Map<string, Set<string>>()
    for (const [method, operation] of Object.entries(item)) {
      if (method === 'parameters' || Array.isArray(operation)) continue
      const names = [...shared, ...(operation.parameters ?? [])]
        .map(resolve)
        .filter((parameter) => parameter?.in === 'query')
        .map((parameter) => parameter!.name!)
      methods.set(method.toUpperCase(), new Set(names))
    }
    operations.set(template, methods)
  }
  return operations
}

/**
 * The query names the contract allows for a request, or null when no path matches. A
 * literal path wins over a template (/Reports/BankSummary over /Reports/{ReportID}); two
 * templates of the same shape (/Contacts/{ContactID}, /Contacts/{ContactNumber}) pool theirs.
 */
function allowedQueries(operations: Operations, method: string, requestPath: string): Set<string> | null {
  const matches = [...operations.keys()].filter((template) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')
    return new RegExp(`^${pattern}$`).test(requestPath)
  })
  const literal = matches.filter((template) => !template.includes('{'))
  const chosen = literal.length > 0 ? literal : matches
  const names = chosen.flatMap((template) => [...(operations.get(template)?.get(method) ?? [])])
  return chosen.some((template) => operations.get(template)?.has(method)) ? new Set(names) : null
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

export async function startPrism(): Promise<XeroPrism> {
  const started = Date.now()
  const operations = declaredQueries()
  const port = await freePort()
  const child = spawn(PRISM, ['mock', '-h', '127.0.0.1', '-p', String(port), XERO_SPEC], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // A test that dies before close() must not leave Prism running.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stopPrism = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    }
  }

  const prismBase = `http://127.0.0.1:${port}`
  try {
    await waitForPrism(prismBase, () => (child.exitCode !== null ? output : null))
  } catch (error) {
    await stopPrism()
    throw error
  }
  const startupMs = Date.now() - started
  const allowed = await operations

  const requests: PrismRequest[] = []
  const proxy = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy')
    const method = request.method ?? 'GET'
    const seen: PrismRequest = {
      method,
      path: url.pathname.slice(PREFIX.length),
      query: url.searchParams,
      status: 0,
    }
    requests.push(seen)
    const refuse = (status: number, detail: string) => {
      seen.status = status
      request.resume()
      sendJson(response, status, { Title: 'Not in the contract', Detail: detail })
    }
    if (!url.pathname.startsWith(`${PREFIX}/`)) return refuse(404, `${url.pathname} is not under ${PREFIX}`)
    const names = allowedQueries(allowed, method, seen.path)
    if (!names) return refuse(404, `${method} ${seen.path} is not in Xero's contract`)
    const unknown = [...url.searchParams.keys()].filter((name) => !names.has(name))
    if (unknown.length > 0) {
      return refuse(400, `${method} ${seen.path} has no query parameter ${unknown.join(', ')} in Xero's contract`)
    }
    const upstream = http.request(
      `${prismBase}${seen.path}${url.search}`,
      { method, headers: { ...request.headers, host: `127.0.0.1:${port}` } },
      (answer) => {
        seen.status = answer.statusCode ?? 0
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => {
      if (response.headersSent) response.destroy()
      else refuse(502, 'Prism did not answer')
    })
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const { port: proxyPort } = proxy.address() as AddressInfo

  return {
    apiBase: `http://127.0.0.1:${proxyPort}`,
    requests,
    startupMs,
    async close() {
      proxy.closeAllConnections()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
      await stopPrism()
    },
  }
}

/** Polls until Prism answers at all; `failed` gives Prism's output once it has exited. */
async function waitForPrism(base: string, failed: () => string | null): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    const output = failed()
    if (output !== null) throw new Error(`Prism exited before listening:\n${output}`)
    try {
      await fetch(`${base}/Organisation`, { signal: AbortSignal.timeout(1000) })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  throw new Error(`Prism did not listen within ${START_TIMEOUT_MS / 1000} s`)
}
