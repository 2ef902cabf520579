// Bundles the server into dist/server.js. better-sqlite3 stays external: it is a native
// module loaded from node_modules at run time. What the server loads only when needed (the
// Telegram client, once a bot is connected) goes into dist/chunks/, so an appliance that
// never uses it does not parse or hold it in memory.
import fs from 'node:fs'
import { build } from 'esbuild'

const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

await build({
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
  logLevel: 'warning',
})
