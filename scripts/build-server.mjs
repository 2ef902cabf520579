// Bundles the server into dist/server.js. better-sqlite3 stays external: it is a native
// module loaded from node_modules at run time. What the server loads only when needed (the
// Telegram client, once a bot is connected) goes into dist/chunks/, so an appliance that
// never uses it does not parse or hold it in memory.
//
// V8 keeps each script's source in the heap for the process's life: one byte per character
// if every character is Latin-1, two otherwise. Whitespace and comments are left out (a 4 MB
// chunk becomes 2.7 MB), and a character past Latin-1 anywhere in the output (a dependency's
// comment, a "…" in a tagged template) fails the build rather than doubling that memory.
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
  metafile: true,
  logLevel: 'warning',
})

for (const file of Object.keys(result.metafile.outputs).filter((name) => name.endsWith('.js'))) {
  const text = fs.readFileSync(file, 'utf8')
  const at = text.search(/[\u{100}-\u{10ffff}]/u)
  if (at >= 0) {
    console.error(
      `${path.relative('.', file)}: a character past Latin-1 makes V8 hold this chunk at two bytes a character: …${text.slice(Math.max(0, at - 60), at + 20)}…`,
    )
    process.exit(1)
  }
}
