/**
 * npm run bench:sd — bytes written to disk in a typical shop day, for SD-card wear.
 *
 * Runs the real server (dist/server.js) on 127.0.0.1 with a data folder on the real disk,
 * plays one day of a 30-member shop — 2,000 messages, 200 photos with thumbnails, 20
 * notices acknowledged by everyone, people opening and closing the app — and reads the
 * server's write_bytes from /proc (what reached the block layer), plus the WAL's largest size.
 * Flags: --members N (30), --messages N (2000), --photos N (200), --json
 */
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import WebSocket from 'ws'
import { root, seed, sleep, startServer } from './seed'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const MEMBERS = flag('members', 30)
const MESSAGES = flag('messages', 2000)
const PHOTOS = flag('photos', 200)
const NOTICES = 20

function writeBytes(pid: number): number {
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8')
  return Number(/write_bytes:\s+(\d+)/.exec(io)?.[1] ?? 0)
}

function walBytes(dataDir: string): number {
  try {
    return fs.statSync(path.join(dataDir, 'backboard.db-wal')).size
  } catch {
    return 0
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist/server.js'))) {
    spawnSync(process.execPath, [path.join(root, 'scripts/build-server.mjs')], { stdio: 'inherit', cwd: root })
  }
  // Not under /tmp, which may be memory-backed: the point is what reaches the disk.
  const dataDir = fs.mkdtempSync(path.join(root, '.bench-sd-'))
  const port = 21000 + Math.floor(Math.random() * 2000)
  const { tokens, channelId } = await seed(dataDir, MEMBERS)
  const server = await startServer(dataDir, port)
  const pid = server.pid as number
  const base = `http://127.0.0.1:${port}`
  const headers = (i: number) => ({ cookie: `bb_session=${tokens[i % MEMBERS]}`, origin: base })
  let walMax = 0
  const sampler = setInterval(() => (walMax = Math.max(walMax, walBytes(dataDir))), 100)
  try {
    await sleep(1000)
    spawnSync('sync')
    const before = writeBytes(pid)
    const started = Date.now()

    // People open and close the app through the day.
    for (let round = 0; round < 4; round++) {
      const sockets = tokens.map(
        (token) =>
          new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { cookie: `bb_session=${token}`, origin: base } }),
      )
      await sleep(2000)
      for (const ws of sockets) ws.close()
    }

    const noticeIds: number[] = []
    for (let n = 0; n < NOTICES; n++) {
      const response = await fetch(`${base}/api/notices`, {
        method: 'POST',
        headers: { ...headers(0), 'content-type': 'application/json' },
        body: JSON.stringify({
          title: `Notice ${n}`,
          body: 'Please read before your shift.',
          clientKey: `notice-${n}-x`,
          mustAcknowledge: true,
        }),
      })
      noticeIds.push(((await response.json()) as { id: number }).id)
    }
    for (const id of noticeIds) {
      for (let m = 1; m < MEMBERS; m++)
        await fetch(`${base}/api/notices/${id}/acknowledge`, { method: 'POST', headers: headers(m) })
    }

    const photoEvery = Math.max(1, Math.floor(MESSAGES / PHOTOS))
    for (let i = 0; i < MESSAGES; i++) {
      const attachments: { fileId: number; thumbnailFileId: number }[] = []
      if (i % photoEvery === 0 && i / photoEvery < PHOTOS) {
        // A phone-compressed photo is about 250 kB, its thumbnail about 20 kB.
        const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(250_000)])
        const thumb = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(20_000)])
        const upload = async (body: Buffer, name: string) =>
          (
            (await (
              await fetch(`${base}/api/files?name=${name}`, {
                method: 'POST',
                headers: { ...headers(i), 'content-type': 'image/jpeg' },
                body: new Uint8Array(body),
              })
            ).json()) as { id: number }
          ).id
        attachments.push({
          fileId: await upload(photo, `photo-${i}.jpg`),
          thumbnailFileId: await upload(thumb, `thumb-${i}.jpg`),
        })
      }
      await fetch(`${base}/api/conversations/${channelId}/messages`, {
        method: 'POST',
        headers: { ...headers(i), 'content-type': 'application/json' },
        body: JSON.stringify({
          body: `Message ${i}: the bread delivery is at the back door, can someone sign for it?`,
          clientKey: `sd-${i}-xxxx`,
          attachments,
        }),
      })
      if (i % 50 === 0)
        await fetch(`${base}/api/conversations/${channelId}/read`, {
          method: 'POST',
          headers: { ...headers(i + 1), 'content-type': 'application/json' },
          body: JSON.stringify({ lastReadId: 1_000_000 }),
        })
    }
    // Let SQLite checkpoint and the kernel write everything back before reading the counter.
    await sleep(2000)
    spawnSync('sync')
    await sleep(500)
    const written = writeBytes(pid) - before
    const dbBytes = fs.statSync(path.join(dataDir, 'backboard.db')).size
    const result = {
      members: MEMBERS,
      messages: MESSAGES,
      photos: PHOTOS,
      bytes_written_per_day_mb: Math.round((written / 1024 / 1024) * 10) / 10,
      photo_payload_mb: Math.round(((PHOTOS * 270_000) / 1024 / 1024) * 10) / 10,
      database_mb: Math.round((dbBytes / 1024 / 1024) * 10) / 10,
      wal_max_mb: Math.round((walMax / 1024 / 1024) * 10) / 10,
      seconds: Math.round((Date.now() - started) / 1000),
    }
    if (args.includes('--json')) console.log(JSON.stringify(result))
    else console.table([result])
  } finally {
    clearInterval(sampler)
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
