/**
 * A bakery and deli with realistic content for the wall tests and screenshots: eight
 * people (six on shift, some with photos), pinned notices with photos and an urgent one,
 * board messages with pictures, and a Wi-Fi info page on the wall. Everything goes
 * through the HTTP API, as the people in the shop would do it.
 */
import zlib from 'node:zlib'
import type { App } from '../../server/shared/app-types'
import { bodyOf, createMember, nextAddress, setupOwner, type SignedInMember } from '../helpers/app'
import { as, boardIdOf, newClientKey, send, upload } from '../helpers/chat'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}

type Rgb = [number, number, number]

/**
 * A PNG that reads as a photo from across a room: a warm background gradient with a
 * shaded round "loaf" (or plate) in the middle, in the colours given.
 */
export function photoPng(width: number, height: number, background: Rgb, subject: Rgb): Buffer {
  const rows: Buffer[] = []
  const cx = width / 2
  const cy = height * 0.55
  const rx = width * 0.34
  const ry = height * 0.3
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) {
      const shade = 0.75 + 0.35 * (1 - y / height)
      let rgb: Rgb = [background[0] * shade, background[1] * shade, background[2] * shade]
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
      if (d < 1) {
        // Lighter towards the top left, like a loaf lit from a window; a few score marks.
        const light = 1.25 - 0.55 * d - 0.25 * ((y - cy) / ry) - 0.1 * ((x - cx) / rx)
        const score = Math.abs(((x - y * 0.6) % (width / 6)) - width / 12) < width / 110 && d < 0.6 ? 0.7 : 1
        rgb = [subject[0] * light * score, subject[1] * light * score, subject[2] * light * score]
      } else if (d < 1.12) {
        rgb = [rgb[0] * 0.55, rgb[1] * 0.55, rgb[2] * 0.55]
      }
      row[1 + x * 3] = Math.max(0, Math.min(255, Math.round(rgb[0])))
      row[2 + x * 3] = Math.max(0, Math.min(255, Math.round(rgb[1])))
      row[3 + x * 3] = Math.max(0, Math.min(255, Math.round(rgb[2])))
    }
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8
  header[9] = 2
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

export const PEOPLE = [
  { username: 'maria', displayName: 'Maria Santos', jobTitle: 'Shift lead', role: 'manager', photo: [196, 120, 90] },
  { username: 'tom', displayName: 'Tom Becker', jobTitle: 'Baker', role: 'staff', photo: [120, 150, 200] },
  { username: 'aisha', displayName: 'Aisha Khan', jobTitle: 'Till', role: 'staff', photo: null },
  { username: 'liam', displayName: 'Liam O’Connor', jobTitle: 'Deliveries', role: 'staff', photo: [90, 160, 110] },
  { username: 'chen', displayName: 'Chen Wei', jobTitle: 'Pastry chef', role: 'staff', photo: null },
  { username: 'sofia', displayName: 'Sofia Rossi', jobTitle: 'Deli counter', role: 'staff', photo: null },
  { username: 'jamal', displayName: 'Jamal Ahmed', jobTitle: 'Barista', role: 'staff', photo: null },
] as const

export interface Bakery {
  owner: SignedInMember
  maria: SignedInMember
  staff: SignedInMember[]
  boardId: number
  noticeIds: number[]
}

async function ok(response: { statusCode: number; body: string }, what: string): Promise<void> {
  if (response.statusCode >= 300) throw new Error(`${what} failed: ${response.statusCode} ${response.body}`)
}

/** Sets the whole shop up; six people end up on shift (everyone but Jamal and the owner). */
export async function seedBakery(app: App): Promise<Bakery> {
  const owner = await setupOwner(app, {
    shopName: 'Corner Bakery & Deli',
    timezone: 'Europe/London',
    displayName: 'Ana Nunes',
    username: 'ana',
  })
  const people: SignedInMember[] = []
  for (const person of PEOPLE) {
    const member = await createMember(app, owner.cookie, {
      role: person.role,
      username: person.username,
      displayName: person.displayName,
    })
    await ok(await as(app, member, 'PATCH', `/api/members/${member.id}`, { jobTitle: person.jobTitle }), 'profile')
    if (person.photo) {
      const photo = photoPng(160, 160, [40, 44, 48], person.photo as unknown as Rgb)
      await ok(
        await app.inject({
          method: 'PUT',
          url: `/api/members/${member.id}/avatar`,
          remoteAddress: nextAddress(),
          headers: { cookie: member.cookie, 'content-type': 'image/png' },
          payload: photo,
        }),
        'avatar',
      )
    }
    const shiftStatus = person.username === 'jamal' ? 'off_shift' : 'on_shift'
    await ok(await as(app, member, 'PUT', '/api/me/status', { shiftStatus, untilMinutes: null }), 'shift')
    people.push(member)
  }
  const [maria, tom, aisha, liam, chen, sofia] = people as [
    SignedInMember,
    SignedInMember,
    SignedInMember,
    SignedInMember,
    SignedInMember,
    SignedInMember,
  ]
  // Bakers post on the board here.
  for (const member of [tom, chen, liam]) {
    await ok(await as(app, owner, 'PUT', `/api/members/${member.id}/access`, { permissions: ['board.post'] }), 'grant')
  }
  const boardId = await boardIdOf(app, owner)

  const sourdough = await upload(app, maria, photoPng(480, 360, [214, 196, 168], [176, 112, 52]), 'levain.png')
  const labels = await upload(app, owner, photoPng(480, 360, [70, 96, 84], [236, 222, 196]), 'deli-labels.png')
  const rye = await upload(app, tom, photoPng(480, 360, [150, 120, 96], [112, 70, 40]), 'rye.png')
  const flour = await upload(app, liam, photoPng(480, 360, [200, 200, 190], [238, 232, 214]), 'flour.png')
  const tarts = await upload(app, chen, photoPng(480, 360, [60, 60, 70], [222, 150, 70]), 'tarts.png')

  await send(app, tom, boardId, 'Rye is out of the oven — 24 loaves on the rack by the door.', {
    attachments: [{ fileId: rye.id }],
  })
  await send(app, liam, boardId, 'The mill delivered early: 40 sacks of T65 are in the store room.', {
    attachments: [{ fileId: flour.id }],
  })
  await send(app, maria, boardId, 'Thanks all for Saturday, we sold out by 2 pm!')
  await send(app, chen, boardId, 'Apricot tarts for the café counter, first tray ready.', {
    attachments: [{ fileId: tarts.id }],
  })
  await send(app, owner, boardId, 'Reminder: the deep clean of the proofing room is on Sunday.')

  const noticeIds: number[] = []
  const notice = async (author: SignedInMember, input: Record<string, unknown>) => {
    const response = await as(app, author, 'POST', '/api/notices', { clientKey: newClientKey('notice'), ...input })
    await ok(response, 'notice')
    noticeIds.push(bodyOf<{ id: number }>(response).id)
    return bodyOf<{ id: number }>(response).id
  }
  const schedule = await notice(maria, {
    title: 'New sourdough schedule from Monday',
    body: 'The levain is fed at **6:00** and **18:00**. The feeding chart hangs on the fridge door — tick your initials.',
    mustAcknowledge: true,
    attachments: [{ fileId: sourdough.id }],
  })
  const allergens = await notice(owner, {
    title: 'Allergen cards on every deli tray',
    body: 'Each tray needs its card before we open at 7:30. Sesame and nuts are written in red.',
    mustAcknowledge: true,
    attachments: [{ fileId: labels.id }],
  })
  const oven = await notice(owner, {
    title: 'Oven 2 is out of order',
    body: 'The engineer comes at 14:00. Use ovens 1 and 3 only; croissants go in first.',
    isUrgent: true,
    mustAcknowledge: true,
  })
  const readers: [number, SignedInMember[]][] = [
    [schedule, [maria, tom, aisha, liam, chen]],
    [allergens, [aisha, sofia, maria]],
    [oven, [tom, chen, maria, liam, aisha, sofia]],
  ]
  for (const [id, members] of readers) {
    for (const member of members) await ok(await as(app, member, 'POST', `/api/notices/${id}/acknowledge`), 'ack')
  }

  await ok(
    await as(app, owner, 'POST', '/api/pages', {
      title: 'Wi-Fi',
      section: 'Shop basics',
      showOnWall: true,
      body: [
        '## Staff Wi-Fi',
        '- Network: **CornerBakery-Staff**',
        '- Password: `rye-and-honey-2026`',
        '',
        '## Guests',
        'Customers use **CornerBakery-Guests** — no password. The router is above the flour store.',
      ].join('\n'),
    }),
    'page',
  )
  await ok(
    await as(app, owner, 'POST', '/api/pages', {
      title: 'Safe code',
      section: 'Managers',
      showOnWall: false,
      body: 'Ask Ana.',
    }),
    'page',
  )
  return { owner, maria, staff: people.slice(1), boardId, noticeIds }
}
