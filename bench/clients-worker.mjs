/**
 * One share of the benchmark's WebSocket clients, in a worker thread of the load generator:
 * with every client in one thread, the time the generator itself takes to read 200 frames of
 * one message in a row would count as delivery time for the last sockets. Each worker times
 * its own deliveries against the posting time the main thread sends it (both on the same
 * wall clock: timeOrigin + now) and says when all of its clients have a message.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

const { port, tokens } = workerData
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

const sockets = await Promise.all(
  tokens.map(
    (token) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
          headers: { cookie: `bb_session=${token}`, origin: `http://127.0.0.1:${port}` },
        })
        ws.on('message', (raw) => {
          const at = now()
          const mark = raw.indexOf(KEY_MARK)
          if (mark < 0) return
          const start = mark + KEY_MARK.length
          delivered(raw.toString('latin1', start, raw.indexOf(34, start)), at)
        })
        ws.once('open', () => resolve(ws))
        ws.once('error', reject)
      }),
  ),
)

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
    for (const ws of sockets) ws.terminate()
    parentPort.close()
  }
})
parentPort.postMessage({ type: 'ready' })
