// Loaded into the server only by `npm run bench:memory` (node --import): answers the bench
// over the IPC channel with the process's own memory figures, after a full GC when asked.
// The product has no such route; this file never ships in dist/.
import v8 from 'node:v8'

process.on('message', (request) => {
  if (request !== 'sample' && request !== 'gc') return
  if (request === 'gc' && typeof globalThis.gc === 'function') {
    globalThis.gc()
    globalThis.gc()
  }
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]))
  process.send?.({ usage: process.memoryUsage(), spaces })
})
// The channel must not keep a server that was asked to stop alive.
process.channel?.unref()
