/**
 * Voice notes recorded in Chrome and Android are Opus in a WebM file; Telegram plays a voice
 * message only from Ogg (or MP3/M4A). The audio needs no re-encoding: this takes the Opus
 * packets out of the WebM (Matroska) blocks and puts them in Ogg pages (RFC 7845), so the
 * note arrives in Telegram as a real voice message. Returns null for anything it does not
 * understand; the caller then sends the file as it is.
 */

const ID = {
  segment: 0x18538067,
  cluster: 0x1f43b675,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  blockGroup: 0xa0,
  codecId: 0x86,
  codecPrivate: 0x63a2,
  trackNumber: 0xd7,
  simpleBlock: 0xa3,
  block: 0xa1,
  channels: 0x9f,
  audio: 0xe1,
  codecDelay: 0x56aa,
}
/** Master elements whose children are read in place (their size may be "unknown"). */
const MASTERS = new Set([ID.segment, ID.cluster, ID.tracks, ID.trackEntry, ID.blockGroup, ID.audio])

interface Vint {
  value: number
  length: number
  isUnknown: boolean
}

function readVint(bytes: Buffer, at: number, keepMarker: boolean): Vint | null {
  const first = bytes[at]
  if (first === undefined || first === 0) return null
  const length = Math.clz32(first) - 23
  if (length < 1 || length > 8 || at + length > bytes.length) return null
  let value = keepMarker ? first : first & (0xff >> length)
  let allOnes = value === 0xff >> length
  for (let i = 1; i < length; i++) {
    const byte = bytes[at + i] as number
    value = value * 256 + byte
    if (byte !== 0xff) allOnes = false
  }
  return { value, length, isUnknown: !keepMarker && allOnes }
}

interface WebmOpus {
  head: Buffer | null
  channels: number
  preSkip: number
  packets: Buffer[]
}

function readWebm(bytes: Buffer): WebmOpus | null {
  const result: WebmOpus = { head: null, channels: 1, preSkip: 312, packets: [] }
  let track: number | null = null
  let codec = ''
  let at = 0
  while (at < bytes.length) {
    const id = readVint(bytes, at, true)
    if (!id) return null
    const size = readVint(bytes, at + id.length, false)
    if (!size) return null
    const start = at + id.length + size.length
    if (MASTERS.has(id.value)) {
      at = start
      continue
    }
    if (size.isUnknown) return null
    const end = start + size.value
    if (end > bytes.length) break
    const payload = bytes.subarray(start, end)
    switch (id.value) {
      case ID.codecId:
        codec = payload.toString('latin1')
        break
      case ID.codecPrivate:
        if (payload.subarray(0, 8).toString('latin1') === 'OpusHead') result.head = Buffer.from(payload)
        break
      case ID.trackNumber:
        if (track === null) track = payload.readUIntBE(0, Math.min(payload.length, 6))
        break
      case ID.channels:
        result.channels = payload.readUIntBE(0, Math.min(payload.length, 6))
        break
      case ID.codecDelay:
        result.preSkip = Math.round((Number(payload.readUIntBE(0, Math.min(payload.length, 6))) * 48_000) / 1e9)
        break
      case ID.simpleBlock:
      case ID.block: {
        const blockTrack = readVint(payload, 0, false)
        if (!blockTrack) return null
        const flags = payload[blockTrack.length + 2] ?? 0
        // Laced blocks (several frames in one) do not occur in recorded voice notes.
        if ((flags & 0x06) !== 0) return null
        if (track === null || blockTrack.value === track) {
          result.packets.push(Buffer.from(payload.subarray(blockTrack.length + 3)))
        }
        break
      }
    }
    at = end
  }
  if (codec !== 'A_OPUS' || result.packets.length === 0) return null
  return result
}

/** Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716, 3.1). */
export function opusSamples(packet: Buffer): number {
  const toc = packet[0] ?? 0
  const config = toc >> 3
  const frameMs =
    config < 12 ? [10, 20, 40, 60][config % 4] : config < 16 ? [10, 20][config % 2] : [2.5, 5, 10, 20][config % 4]
  const code = toc & 3
  const frames = code === 0 ? 1 : code < 3 ? 2 : (packet[1] ?? 0) & 0x3f
  return Math.round(frames * (frameMs as number) * 48)
}

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let r = i << 24
  for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1
  return r >>> 0
})

export function oggCrc(page: Buffer): number {
  let crc = 0
  for (const byte of page) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] as number)) >>> 0
  return crc
}

function oggPage(packets: Buffer[], granule: bigint, serial: number, sequence: number, flags: number): Buffer {
  const lacing: number[] = []
  for (const packet of packets) {
    for (let left = packet.length; ; left -= 255) {
      if (left >= 255) lacing.push(255)
      else {
        lacing.push(left)
        break
      }
    }
  }
  const header = Buffer.alloc(27)
  header.write('OggS', 0, 'latin1')
  header[5] = flags
  header.writeBigInt64LE(granule, 6)
  header.writeUInt32LE(serial, 14)
  header.writeUInt32LE(sequence, 18)
  header[26] = lacing.length
  const page = Buffer.concat([header, Buffer.from(lacing), ...packets])
  page.writeUInt32LE(oggCrc(page), 22)
  return page
}

/** The Opus audio of a WebM file as an Ogg Opus file, or null. */
export function webmOpusToOgg(webm: Buffer): Buffer | null {
  let parsed: WebmOpus | null
  try {
    parsed = readWebm(webm)
  } catch {
    return null
  }
  if (!parsed) return null
  const head =
    parsed.head ??
    Buffer.concat([
      Buffer.from('OpusHead', 'latin1'),
      Buffer.from([1, parsed.channels, parsed.preSkip & 0xff, parsed.preSkip >> 8, 0x80, 0xbb, 0, 0, 0, 0, 0]),
    ])
  const vendor = Buffer.from('Backboard', 'latin1')
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4)
  tags.write('OpusTags', 0, 'latin1')
  tags.writeUInt32LE(vendor.length, 8)
  vendor.copy(tags, 12)
  const serial = 0x42424b44
  const pages = [oggPage([head], 0n, serial, 0, 0x02), oggPage([tags], 0n, serial, 1, 0)]
  let granule = 0n
  let sequence = 2
  let batch: Buffer[] = []
  let segments = 0
  const flush = (isLast: boolean) => {
    pages.push(oggPage(batch, granule, serial, sequence++, isLast ? 0x04 : 0))
    batch = []
    segments = 0
  }
  parsed.packets.forEach((packet, i) => {
    const needed = Math.floor(packet.length / 255) + 1
    if (segments + needed > 255) flush(false)
    batch.push(packet)
    segments += needed
    granule += BigInt(opusSamples(packet))
    if (i === (parsed as WebmOpus).packets.length - 1) flush(true)
  })
  return Buffer.concat(pages)
}
