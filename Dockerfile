# syntax=docker/dockerfile:1
# Backboard: multi-stage build. The final image is Node 24 LTS (slim) plus about 9 MB: the
# bundled server, the built web app and better-sqlite3's native module. No sources, no
# development dependencies and no build tools reach it; it runs as the unprivileged node user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Only the two packages the build needs run install scripts (esbuild checks its binary,
# better-sqlite3 gets or compiles its native module); optional native helpers of test
# tools are not compiled.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY . .
# /runtime is exactly what the final image holds: dist without source maps (node runs without
# --enable-source-maps), package.json ("type": "module") and better-sqlite3 with the two
# small packages it loads, everything else being bundled into dist/.
RUN npm run build \
 && mkdir -p /runtime/node_modules/better-sqlite3/build/Release \
 && cp -r dist package.json /runtime/ \
 && find /runtime/dist -name '*.map' -delete \
 && cp -r node_modules/better-sqlite3/lib node_modules/better-sqlite3/package.json /runtime/node_modules/better-sqlite3/ \
 && cp node_modules/better-sqlite3/build/Release/better_sqlite3.node /runtime/node_modules/better-sqlite3/build/Release/ \
 && strip --strip-unneeded /runtime/node_modules/better-sqlite3/build/Release/better_sqlite3.node \
 && cp -r node_modules/bindings node_modules/file-uri-to-path /runtime/node_modules/

FROM node:24-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: glibc gives each of Node's threads (V8's helpers, libuv's pool) a malloc
# arena of its own, about 1.5 MB resident each; two shared arenas keep about 3 MB less
# resident when idle, and V8 allocates JavaScript's memory itself, so nothing measurable slows.
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8080 \
    HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /runtime ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/server.js"]
