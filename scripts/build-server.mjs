// Bundles the server into one file, dist/server.js. better-sqlite3 stays external: it is a
// native module loaded from node_modules at run time.
import fs from 'node:fs'
import { build } from 'esbuild'

const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

await build({
  entryPoints: ['server/main.ts'],
  outfile: 'dist/server.js',
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
