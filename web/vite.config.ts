import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const webRoot = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const server = 'http://localhost:8080'

export default defineConfig({
  root: webRoot,
  publicDir: 'public',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
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
