import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import zlib from 'node:zlib'

const webRoot = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const server = 'http://localhost:8080'

export default defineConfig({
  root: webRoot,
  publicDir: 'public',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  plugins: [
    // Compressed once here, at the highest levels, so the server only picks a file: a Pi
    // never spends a request's time compressing, and phones download a third of the bytes.
    compression({
      include: /\.(html|js|css|svg|webmanifest)$/,
      algorithms: [
        defineAlgorithm('brotliCompress', { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
        defineAlgorithm('gzip', { level: 9 }),
      ],
      logLevel: 'silent',
    }),
  ],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2020',
    // The server's CSP allows no inline assets: keep every asset a file.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { main: `${webRoot}index.html`, sw: `${webRoot}src/sw.ts` },
      // The service worker keeps a fixed name at the root: its scope is the whole app.
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    // The web app imports shared types and constants from ../server.
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': { target: server, changeOrigin: false },
      '/ws': { target: server, ws: true },
    },
  },
})
