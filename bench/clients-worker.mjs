/**
 * One share of the benchmark's WebSocket clients, in a worker thread of the load generator:
 * with every client in one thread, the time the generator itself takes to read 200 frames of
 * one message in a row would count as delivery time for the last sockets. Each worker times
 * its own deliveries against the posting time the main thread sends it (both on the same
 * wall clock: timeOrigin + now) and says when all of its clients have a message.
 *
 * On a shop's Wi-Fi each phone reads its own frame on its own processor; here two hundred
 * clients share the load generator's threads, and their reading is queued behind each other.
 * So by default a client is lean: the WebSocket handshake and RFC 6455 frames read straight
 * off the TCP socket (the server's frames are unmasked and unfragmented; pings are answered)
 * instead of through the `ws` library's per-message events. `--ws-clients` uses `ws`.
 */
import crypto from 'node:crypto'
import net from 'node:net'
import { parentPort, workerData } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

const { port, tokens, useWs } = workerData
const KEY_MARK = Buffer.from('"clientKey":"')
const now = () => performance.timeOrigin + performance.now()

/** Posted messages this worker still waits for: posting time and clients still to have it. */
const pending = new Map()
/** Frames that came before their posting time reached this thread (rare). */
const early = new Map()
let samples = new Float64Array(1 << 15)
let count = 0

function record(ms) {
  if (count === samples.length) {
    const bigger = new Float64Array(samples.length * 2)
    bigger.set(samples)
    samples = bigger
  }
  samples[count++] = ms
}

function delivered(key, at) {
  const entry = pending.get(key)
  if (!entry) {
    const arrivals = early.get(key) ?? []
    arrivals.push(at)
    early.set(key, arrivals)
    return
  }
  record(at - entry.start)
  if (--entry.remaining === 0) {
    pending.delete(key)
    parentPort.postMessage({ type: 'done', key })
  }
}

/** The client key a message frame names, or null (presence and other frames). */
function keyIn(frame, start, end) {
  const mark = frame.indexOf(KEY_MARK, start)
  if (mark < 0 || mark >= end) return null
  const from = mark + KEY_MARK.length
  return frame.toString('latin1', from, frame.indexOf(34, from))
}

function connectWs(token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
      headers: { cookie: `bb_session=${token}`, origin: `http://127.0.0.1:${port}` },
    })
    ws.on('message', (raw) => {
      const at = now()
      const key = keyIn(raw, 0, raw.length)
      if (key !== null) delivered(key, at)
    })
    ws.once('open', () => resolve({ close: () => ws.terminate() }))
    ws.once('error', reject)
  })
}

const EMPTY = Buffer.alloc(0)
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** A masked client frame (RFC 6455 requires clients to mask), for pongs of up to 125 bytes. */
function maskedFrame(first, payload) {
  const mask = crypto.randomBytes(4)
  const frame = Buffer.alloc(6 + payload.length)
  frame[0] = first
  frame[1] = 0x80 | payload.length
  mask.copy(frame, 2)
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i & 3]
  return frame
}

/** Reads every whole frame in `buffer`; returns what is left of an incomplete one. */
function readFrames(socket, buffer, at) {
  let offset = 0
  while (buffer.length - offset >= 2) {
    const opcode = buffer[offset] & 0x0f
    let length = buffer[offset + 1] & 0x7f
    let header = 2
    if (length === 126) {
      if (buffer.length - offset < 4) break
      length = buffer.readUInt16BE(offset + 2)
      header = 4
    } else if (length === 127) {
      if (buffer.length - offset < 10) break
      length = buffer.readUInt32BE(offset + 2) * 2 ** 32 + buffer.readUInt32BE(offset + 6)
      header = 10
    }
    if (buffer.length - offset < header + length) break
    const start = offset + header
    const end = start + length
    if (opcode === 1) {
      const key = keyIn(buffer, start, end)
      if (key !== null) delivered(key, at)
    } else if (opcode === 9) socket.write(maskedFrame(0x8a, buffer.subarray(start, end)))
    else if (opcode === 8) socket.end()
    offset = end
  }
  return offset === buffer.length ? EMPTY : buffer.subarray(offset)
}

function connectLean(token) {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64')
    const accept = crypto
      .createHash('sha1')
      .update(key + GUID)
      .digest('base64')
    const socket = net.connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    socket.once('error', reject)
    socket.once('connect', () =>
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nCookie: bb_session=${token}\r\n` +
          `Origin: http://127.0.0.1:${port}\r\n\r\n`,
      ),
    )
    let buffer = EMPTY
    let isOpen = false
    socket.on('data', (chunk) => {
      const at = now()
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      if (!isOpen) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buffer.toString('latin1', 0, end)
        if (!head.startsWith('HTTP/1.1 101') || !head.includes(`Sec-WebSocket-Accept: ${accept}`)) {
          socket.destroy()
          reject(new Error(`no WebSocket: ${head.split('\r\n')[0]}`))
          return
        }
        isOpen = true
        buffer = buffer.subarray(end + 4)
        resolve({ close: () => socket.destroy() })
      }
      buffer = readFrames(socket, buffer, at)
    })
  })
}

const sockets = await Promise.all(tokens.map((token) => (useWs ? connectWs(token) : connectLean(token))))

parentPort.on('message', (message) => {
  if (message.type === 'start') {
    pending.set(message.key, { start: message.at, remaining: sockets.length })
    const arrivals = early.get(message.key)
    if (arrivals) {
      early.delete(message.key)
      for (const at of arrivals) delivered(message.key, at)
    }
  } else if (message.type === 'collect') {
    // The phase is over: its samples go to the main thread, and what is still missing is forgotten.
    parentPort.postMessage({ type: 'samples', samples: samples.slice(0, count), missing: pending.size })
    count = 0
    pending.clear()
    early.clear()
  } else if (message.type === 'close') {
    for (const socket of sockets) socket.close()
    parentPort.close()
  }
})
parentPort.postMessage({ type: 'ready' })
