# syntax=docker/dockerfile:1
# Backboard: multi-stage build. The final image holds Node 24 LTS (slim), the bundled server,
# the built web app and better-sqlite3's native module, and runs as a non-root user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && mkdir -p /runtime/node_modules/better-sqlite3/build/Release \
 && cp -r node_modules/better-sqlite3/lib node_modules/better-sqlite3/package.json /runtime/node_modules/better-sqlite3/ \
 && cp node_modules/better-sqlite3/build/Release/better_sqlite3.node /runtime/node_modules/better-sqlite3/build/Release/ \
 && cp -r node_modules/bindings node_modules/file-uri-to-path /runtime/node_modules/

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/dist/server.js ./dist/server.js
COPY --from=build /app/dist/chunks ./dist/chunks
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /runtime/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/server.js"]
