/** Hand-built WebM files for tests: what a browser's MediaRecorder writes for a voice note. */

function vintSize(n: number): Buffer {
  if (n < 0x7f) return Buffer.from([0x80 | n])
  if (n < 0x3fff) return Buffer.from([0x40 | (n >> 8), n & 0xff])
  return Buffer.from([0x20 | (n >> 16), (n >> 8) & 0xff, n & 0xff])
}
const UNKNOWN = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
function el(id: number, payload: Buffer, unknownSize = false): Buffer {
  const idBytes = Buffer.from(
    id
      .toString(16)
      .padStart(2, '0')
      .replace(/^(.(..)*)$/, '0$1'),
    'hex',
  )
  return Buffer.concat([idBytes, unknownSize ? UNKNOWN : vintSize(payload.length), payload])
}
const uint = (n: number) => Buffer.from([n])

/** A WebM like MediaRecorder writes: unknown-size segment and clusters, SimpleBlocks. */
export function webmOpus(packets: Buffer[], clusters = 2): Buffer {
  const head = Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])])
  const tracks = el(
    0x1654ae6b,
    el(
      0xae,
      Buffer.concat([
        el(0xd7, uint(1)),
        el(0x86, Buffer.from('A_OPUS')),
        el(0x63a2, head),
        el(0xe1, el(0x9f, uint(1))),
      ]),
    ),
  )
  const per = Math.ceil(packets.length / clusters)
  const clusterBytes: Buffer[] = []
  for (let c = 0; c < clusters; c++) {
    const blocks = packets
      .slice(c * per, (c + 1) * per)
      .map((p, i) => el(0xa3, Buffer.concat([Buffer.from([0x81]), Buffer.from([0, i * 20]), Buffer.from([0x80]), p])))
    clusterBytes.push(el(0x1f43b675, Buffer.concat([el(0xe7, uint(c)), ...blocks]), true))
  }
  const ebml = el(0x1a45dfa3, el(0x4282, Buffer.from('webm')))
  const info = el(0x1549a966, el(0x2ad7b1, Buffer.from([0x0f, 0x42, 0x40])))
  return Buffer.concat([ebml, el(0x18538067, Buffer.concat([info, tracks, ...clusterBytes]), true)])
}
