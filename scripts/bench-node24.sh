#!/usr/bin/env bash
# npm run bench:memory:node24 — the memory benchmark with the server on Node 24 LTS (what the
# Docker image runs), on a machine whose own Node is another version. Node 24 comes from the
# npm registry (the node-linux-<arch> package); better-sqlite3 is compiled for it against its
# own headers in a scratch copy of the runtime (dist, package.json, the native module), the
# way the image's build stage does. The first run takes about a minute to compile; later runs
# reuse the scratch folder while the build is unchanged.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_NODE24_DIR:-${TMPDIR:-/tmp}/backboard-node24}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "no Node 24 package for $(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$work"
if [ ! -x "$work/node/bin/node" ]; then
  (cd "$work" && npm pack --silent "node-linux-$arch@24" >/dev/null)
  mkdir -p "$work/node"
  tar -xzf "$work"/node-linux-"$arch"-*.tgz -C "$work/node" --strip-components=1
fi
node24="$work/node/bin/node"
# The server as the sources stand now (the benchmark seeds its database with them).
(cd "$root" && npm run --silent build:server >/dev/null)
app="$work/app"
rm -rf "$app/dist" && mkdir -p "$app/node_modules"
cp -r "$root/dist" "$root/package.json" "$app/"
module="$app/node_modules/better-sqlite3"
if [ ! -f "$module/build/Release/better_sqlite3.node" ]; then
  rm -rf "$module" && cp -r "$root/node_modules/better-sqlite3" "$module"
  cp -r "$root/node_modules/bindings" "$root/node_modules/file-uri-to-path" "$app/node_modules/"
  gyp="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
  # npm passes its own nodedir setting down as npm_config_nodedir, which node-gyp prefers: name ours there.
  (cd "$module" && rm -rf build && PATH="$work/node/bin:$PATH" npm_config_nodedir="$work/node" node "$gyp" rebuild --release --nodedir="$work/node" -j 2 >/dev/null)
fi
cd "$root"
# The image sets MALLOC_ARENA_MAX=2 (Dockerfile); so does this run, to measure what it runs.
MALLOC_ARENA_MAX=2 BENCH_NODE="$node24" BENCH_SERVER="$app/dist/server.js" npx tsx bench/memory.ts "$@"
