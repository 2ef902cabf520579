/**
 * A voice note recorded in Chrome (Opus in WebM) becomes an Ogg Opus file Telegram plays as
 * a voice message: the same packets, valid pages and checksums, the right duration.
 */
import t from 'tap'
import { oggCrc, opusSamples, webmOpusToOgg } from '../../server/telegram/opus'
import { webmOpus } from '../helpers/webm'

interface Page {
  flags: number
  granule: bigint
  sequence: number
  packets: Buffer[]
  crcOk: boolean
}

function readOgg(ogg: Buffer): Page[] {
  const pages: Page[] = []
  let at = 0
  let carry: Buffer[] = []
  while (at < ogg.length) {
    if (ogg.subarray(at, at + 4).toString('latin1') !== 'OggS') throw new Error(`no page at ${at}`)
    const count = ogg[at + 26] as number
    const lacing = [...ogg.subarray(at + 27, at + 27 + count)]
    const size = lacing.reduce((a, b) => a + b, 0)
    const page = Buffer.from(ogg.subarray(at, at + 27 + count + size))
    const crc = page.readUInt32LE(22)
    page.writeUInt32LE(0, 22)
    const packets: Buffer[] = []
    let offset = at + 27 + count
    for (const l of lacing) {
      carry.push(ogg.subarray(offset, offset + l))
      offset += l
      if (l < 255) {
        packets.push(Buffer.concat(carry))
        carry = []
      }
    }
    pages.push({
      flags: ogg[at + 5] as number,
      granule: ogg.readBigInt64LE(at + 6),
      sequence: ogg.readUInt32LE(at + 18),
      packets,
      crcOk: oggCrc(page) === crc,
    })
    at = offset
  }
  return pages
}

t.test('Opus packets move from WebM blocks to Ogg pages unchanged', async (t) => {
  // 20 ms CELT packets (TOC 0xf8), some longer than 255 bytes to exercise lacing.
  const packets = Array.from({ length: 300 }, (_, i) =>
    Buffer.concat([Buffer.from([0xf8]), Buffer.alloc(i % 7 === 0 ? 400 : 60 + (i % 50), i & 0xff)]),
  )
  const ogg = webmOpusToOgg(webmOpus(packets, 3))
  t.ok(ogg, 'converted')
  const pages = readOgg(ogg as Buffer)
  t.ok(
    pages.every((p) => p.crcOk),
    'every page checksum is right',
  )
  t.same(
    pages.map((p) => p.sequence),
    pages.map((_, i) => i),
    'pages in sequence',
  )
  t.equal(pages[0]?.flags, 0x02, 'the first page begins the stream')
  t.equal(pages.at(-1)?.flags, 0x04, 'the last page ends it')
  t.equal(pages[0]?.packets[0]?.subarray(0, 8).toString(), 'OpusHead')
  t.equal(pages[1]?.packets[0]?.subarray(0, 8).toString(), 'OpusTags')
  const audio = pages.slice(2).flatMap((p) => p.packets)
  t.equal(audio.length, packets.length, 'every packet')
  t.ok(
    audio.every((p, i) => p.equals(packets[i] as Buffer)),
    'byte for byte',
  )
  t.equal(pages.at(-1)?.granule, BigInt(300 * 960), 'six seconds at 48 kHz')
})

t.test('packet durations come from the TOC byte', async (t) => {
  t.equal(opusSamples(Buffer.from([0xf8])), 960, 'CELT 20 ms')
  t.equal(opusSamples(Buffer.from([0x08])), 960, 'SILK 20 ms')
  t.equal(opusSamples(Buffer.from([0x03, 0x04])), 4 * 480, 'SILK 10 ms, four frames (code 3)')
  t.equal(opusSamples(Buffer.from([0xf9])), 1920, 'two frames (code 1)')
})

t.test('what is not Opus in WebM is left alone', async (t) => {
  t.equal(webmOpusToOgg(Buffer.from('not a webm at all')), null)
  t.equal(webmOpusToOgg(Buffer.alloc(0)), null)
  const vorbis = webmOpus([Buffer.from([0xf8, 1, 2, 3])])
    .toString('latin1')
    .replace('A_OPUS', 'A_VORB')
  t.equal(webmOpusToOgg(Buffer.from(vorbis, 'latin1')), null, 'another codec')
})
