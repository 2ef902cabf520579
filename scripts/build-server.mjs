// Bundles the server into dist/server.js. better-sqlite3 stays external: it is a native
// module loaded from node_modules at run time. What the server loads only when needed (the
// Telegram client, once a bot is connected) goes into dist/chunks/, so an appliance that
// never uses it does not parse or hold it in memory.
//
// V8 keeps each script's source in the heap for the process's life, and Node decodes a
// module's file to one byte per character only when every byte is ASCII: a single "£" in a
// 1.5 MB chunk makes it 3 MB of heap on Node 24. Whitespace and comments are left out (a 4 MB
// chunk becomes 2.7 MB), dependencies' licence comments go to .LEGAL.txt files beside the
// chunks, and a character past ASCII anywhere in the output (a "£" in a String.raw template
// or a regular expression, which esbuild cannot escape) fails the build.
// Stack traces keep function names; the source maps give the lines.
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

// Chunk names are content hashes: without this, every build leaves the old ones behind.
fs.rmSync('dist/chunks', { recursive: true, force: true })

const result = await build({
  entryPoints: { server: 'server/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['better-sqlite3'],
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  define: { 'process.env.BACKBOARD_VERSION': JSON.stringify(version) },
  minifyWhitespace: true,
  legalComments: 'external',
  charset: 'ascii',
  metafile: true,
  logLevel: 'warning',
})

for (const file of Object.keys(result.metafile.outputs).filter((name) => name.endsWith('.js'))) {
  const text = fs.readFileSync(file, 'utf8')
  const at = text.search(/[\u0080-\uffff]/)
  if (at >= 0) {
    console.error(
      `${path.relative('.', file)}: a character past ASCII makes Node hold this chunk at two bytes a character (write it as \\u escape): ...${text.slice(Math.max(0, at - 60), at + 20)}...`,
    )
    process.exit(1)
  }
}
