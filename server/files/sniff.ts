/**
 * Decides a file's type from its first bytes, never from its name or the client's claim.
 * Only types we can show safely get their own MIME type; everything else (HTML, SVG,
 * scripts, unknown) is served as a download of application/octet-stream.
 */
import type { FileKind } from '../db/schema'

export interface Sniffed {
  mime: string
  kind: FileKind
}

const ascii = (bytes: Buffer, start: number, end: number) => bytes.subarray(start, end).toString('latin1')

export function sniff(head: Buffer): Sniffed {
  const b = head
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mime: 'image/jpeg', kind: 'image' }
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { mime: 'image/png', kind: 'image' }
  }
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a'))
    return { mime: 'image/gif', kind: 'image' }
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP')
    return { mime: 'image/webp', kind: 'image' }
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WAVE')
    return { mime: 'audio/wav', kind: 'audio' }
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12)
    if (brand === 'heic' || brand === 'heix' || brand === 'mif1' || brand === 'heim')
      return { mime: 'image/heic', kind: 'image' }
    if (brand === 'avif') return { mime: 'image/avif', kind: 'image' }
    if (brand.startsWith('M4A') || brand === 'M4B ') return { mime: 'audio/mp4', kind: 'audio' }
    if (brand === 'qt  ') return { mime: 'video/quicktime', kind: 'video' }
    return { mime: 'video/mp4', kind: 'video' }
  }
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) {
    // Matroska/WebM; a browser voice note is WebM with only an audio track, which we cannot
    // tell from the header alone, so the client's recording flag decides audio vs video.
    return { mime: 'video/webm', kind: 'video' }
  }
  if (b.length >= 4 && ascii(b, 0, 4) === 'OggS') {
    const isOpusOrVorbis = b.includes(Buffer.from('OpusHead')) || b.includes(Buffer.from('\x01vorbis', 'latin1'))
    return isOpusOrVorbis ? { mime: 'audio/ogg', kind: 'audio' } : { mime: 'video/ogg', kind: 'video' }
  }
  if (b.length >= 3 && ascii(b, 0, 3) === 'ID3') return { mime: 'audio/mpeg', kind: 'audio' }
  if (b.length >= 2 && b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0) return { mime: 'audio/mpeg', kind: 'audio' }
  if (b.length >= 4 && ascii(b, 0, 4) === 'fLaC') return { mime: 'audio/flac', kind: 'audio' }
  if (b.length >= 5 && ascii(b, 0, 5) === '%PDF-') return { mime: 'application/pdf', kind: 'file' }
  return { mime: 'application/octet-stream', kind: 'file' }
}

/** Types a browser may display inline without risk; everything else downloads. */
export function isInlineSafe(mime: string): boolean {
  return /^(image\/(jpeg|png|gif|webp|avif)|video\/(mp4|webm|ogg|quicktime)|audio\/(mpeg|ogg|wav|mp4|webm|flac))$/.test(
    mime,
  )
}

/** The extensions a sniffed type goes by, its usual one first. */
const EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/heic': ['heic', 'heif'],
  'image/avif': ['avif'],
  'audio/wav': ['wav'],
  'audio/mp4': ['m4a', 'm4b', 'mp4'],
  'audio/mpeg': ['mp3'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'audio/webm': ['webm', 'weba'],
  'audio/flac': ['flac'],
  'video/mp4': ['mp4', 'm4v'],
  'video/quicktime': ['mov', 'qt'],
  'video/webm': ['webm'],
  'video/ogg': ['ogv', 'ogg'],
  'application/pdf': ['pdf'],
}

/**
 * A file name whose extension says what the bytes are: a PNG uploaded as "holiday.exe" is
 * saved as "holiday.png", so neither the chat nor the phone that downloads it is misled.
 * Names of types we do not recognise are left as the uploader gave them.
 */
export function nameForType(name: string, mime: string): string {
  const extensions = EXTENSIONS[mime]
  if (!extensions) return name
  const dot = name.lastIndexOf('.')
  const extension = dot > 0 ? name.slice(dot + 1) : ''
  if (extensions.includes(extension.toLowerCase())) return name
  // Something that looks like an extension (or a bare trailing dot) is replaced; other dots
  // stay, as in "Stock 12.03.2026".
  const isExtension = dot > 0 && (extension === '' || /^(?=.*[a-z])[a-z0-9]{1,5}$/i.test(extension))
  return `${isExtension ? name.slice(0, dot) : name}.${extensions[0]}`
}

/** Width and height from an image header, where the format makes that cheap. */
export function imageSize(head: Buffer, mime: string): { width: number; height: number } | null {
  try {
    if (mime === 'image/png' && head.length >= 24)
      return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) }
    if (mime === 'image/gif' && head.length >= 10) return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) }
    if (mime === 'image/webp' && head.length >= 30) {
      const chunk = ascii(head, 12, 16)
      if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff }
      if (chunk === 'VP8L') {
        const bits = head.readUInt32LE(21)
        return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
      }
      if (chunk === 'VP8X') return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 }
    }
    if (mime === 'image/jpeg') {
      let offset = 2
      while (offset + 9 < head.length) {
        if (head[offset] !== 0xff) return null
        const marker = head[offset + 1] ?? 0
        const length = head.readUInt16BE(offset + 2)
        const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
        if (isFrame) return { width: head.readUInt16BE(offset + 7), height: head.readUInt16BE(offset + 5) }
        offset += 2 + length
      }
    }
  } catch {
    return null
  }
  return null
}
