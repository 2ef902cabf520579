/**
 * Which push endpoints the server will send to. A subscription's endpoint is an address a
 * member hands us and the outbox then POSTs to, so it must be a real push service on the
 * internet: `https`, port 443, a host that resolves only to public addresses. The rule is
 * checked when subscribing, again before each delivery (DNS may have changed), and once more
 * on every address the connection itself resolves (so a rebinding answer between the check
 * and the connect is caught too).
 */
import dns from 'node:dns'
import https from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'

/** How a host name resolves: every address it may connect to. Injectable for tests. */
export type ResolveHost = (hostname: string) => Promise<string[]>

export const resolveWithSystem: ResolveHost = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address)

// Special-purpose IPv4 ranges (RFC 6890 and friends): none of them is a push service.
const NOT_PUBLIC_V4 = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network, 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT, also Tailscale
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  NOT_PUBLIC_V4.addSubnet(network, prefix, 'ipv4')
}

// IPv6: only global unicast (2000::/3) is public, less the ranges inside it that embed or
// tunnel to other addresses or are for documentation.
const GLOBAL_V6 = new BlockList()
GLOBAL_V6.addSubnet('2000::', 3, 'ipv6')
const NOT_PUBLIC_V6 = new BlockList()
NOT_PUBLIC_V6.addSubnet('2001::', 32, 'ipv6') // Teredo
NOT_PUBLIC_V6.addSubnet('2001:db8::', 32, 'ipv6') // documentation
NOT_PUBLIC_V6.addSubnet('2002::', 16, 'ipv6') // 6to4, which embeds any IPv4 address

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`), if it is one. */
function mappedIPv4(ip: string): string | null {
  let normal: string
  try {
    normal = new URL(`http://[${ip}]/`).hostname
  } catch {
    return null
  }
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(normal)
  if (!match) return null
  const high = parseInt(match[1] as string, 16)
  const low = parseInt(match[2] as string, 16)
  return [high >> 8, high & 255, low >> 8, low & 255].join('.')
}

/**
 * Whether an IP address is on the public internet: not loopback, private, carrier-grade
 * NAT, link-local (cloud metadata), unique-local, multicast, documentation or unspecified.
 * Anything that is not a plain IP address is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip)
  if (family === 4) return !NOT_PUBLIC_V4.check(ip, 'ipv4')
  if (family !== 6 || ip.includes('%')) return false
  const mapped = mappedIPv4(ip)
  if (mapped !== null) return isPublicAddress(mapped)
  return GLOBAL_V6.check(ip, 'ipv6') && !NOT_PUBLIC_V6.check(ip, 'ipv6')
}

export type EndpointRefusal = 'not_url' | 'not_https' | 'port' | 'credentials' | 'not_public' | 'unresolved'

export type EndpointCheck =
  { isAllowed: true; url: URL; addresses: string[] } | { isAllowed: false; reason: EndpointRefusal; message: string }

const refuse = (reason: EndpointRefusal, message: string): EndpointCheck => ({ isAllowed: false, reason, message })

/**
 * Checks a push endpoint against the rule: `https`, port 443, no credentials, and a host
 * whose every address is public. `unresolved` (the name does not resolve now, e.g. the
 * internet is down) is told apart so that a delivery can wait rather than give up.
 */
export async function checkPushEndpoint(endpoint: string, resolve: ResolveHost): Promise<EndpointCheck> {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return refuse('not_url', 'That is not a push endpoint address.')
  }
  if (url.protocol !== 'https:') return refuse('not_https', 'Push endpoints are HTTPS addresses.')
  // The URL parser drops the default port, so any port left is not 443.
  if (url.port !== '') return refuse('port', 'Push endpoints use the HTTPS port, 443.')
  if (url.username || url.password) return refuse('credentials', 'Push endpoints carry no user name or password.')
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  let addresses: string[]
  if (isIP(host)) {
    addresses = [host]
  } else {
    try {
      addresses = await resolve(host)
    } catch {
      return refuse('unresolved', `The push service ${host} cannot be found.`)
    }
    if (addresses.length === 0) return refuse('unresolved', `The push service ${host} cannot be found.`)
  }
  if (!addresses.every(isPublicAddress)) {
    return refuse('not_public', 'Push endpoints must be on the internet, not on a local or private network.')
  }
  return { isAllowed: true, url, addresses }
}

/** Thrown (through the connection) when a push host resolves to an address that is not public. */
export class NotPublicAddressError extends Error {
  readonly code = 'EPUSHNOTPUBLIC'
  constructor(hostname: string) {
    super(`the push service ${hostname} resolved to an address that is not public`)
    this.name = 'NotPublicAddressError'
  }
}

/**
 * A `lookup` for sockets that resolves with `resolve` and fails unless every address is
 * public, so a connection only ever goes to an address that passed the rule.
 */
export function publicOnlyLookup(resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family
        const addresses = found.filter((ip) => !family || isIP(ip) === family)
        if (!found.every(isPublicAddress)) {
          callback(new NotPublicAddressError(hostname), '', 0)
          return
        }
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0)
          return
        }
        if (options.all) {
          callback(
            null,
            addresses.map((address) => ({ address, family: isIP(address) })),
          )
        } else {
          callback(null, addresses[0] as string, isIP(addresses[0] as string))
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    )
  }
}

/** The HTTPS agent deliveries go through: like Node's global agent, with the address rule on every connect. */
export function publicOnlyAgent(resolve: ResolveHost): https.Agent {
  return new https.Agent({ keepAlive: true, timeout: 5_000, lookup: publicOnlyLookup(resolve) })
}
