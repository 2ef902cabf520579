/** A minimal POSIX ustar writer: enough to pack the shop's data and files into one archive. */
import type { Writable } from 'node:stream'
import fs from 'node:fs'

function header(name: string, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(512)
  const write = (text: string, offset: number, length: number) =>
    block.write(text.slice(0, length), offset, length, 'utf8')
  // Numeric fields are zero-padded octal, NUL-terminated (the block starts zero-filled).
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0')
  let path = name
  let prefix = ''
  if (Buffer.byteLength(path) > 100) {
    const cut = path.lastIndexOf('/', 154)
    prefix = path.slice(0, cut)
    path = path.slice(cut + 1)
  }
  write(path, 0, 100)
  write(octal(0o644, 8), 100, 7)
  write(octal(0, 8), 108, 7)
  write(octal(0, 8), 116, 7)
  write(octal(size, 12), 124, 11)
  write(octal(Math.floor(mtime / 1000), 12), 136, 11)
  block.fill(' ', 148, 156) // checksum placeholder: spaces while summing
  write('0', 156, 1)
  write('ustar\u000000', 257, 8)
  write(prefix, 345, 155)
  let sum = 0
  for (const byte of block) sum += byte
  write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8)
  return block
}

const padding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512)

function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(chunk)) resolve()
    else {
      out.once('drain', resolve)
      out.once('error', reject)
    }
  })
}

export async function addBuffer(out: Writable, name: string, data: Buffer, mtime = Date.now()): Promise<void> {
  await writeChunk(out, header(name, data.length, mtime))
  await writeChunk(out, data)
  await writeChunk(out, padding(data.length))
}

export async function addFile(out: Writable, name: string, file: string): Promise<void> {
  const stats = fs.statSync(file)
  await writeChunk(out, header(name, stats.size, stats.mtimeMs))
  for await (const chunk of fs.createReadStream(file)) await writeChunk(out, chunk as Buffer)
  await writeChunk(out, padding(stats.size))
}

export async function finish(out: Writable): Promise<void> {
  await writeChunk(out, Buffer.alloc(1024))
}
