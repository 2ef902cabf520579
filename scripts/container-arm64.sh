#!/usr/bin/env bash
# Proves the Raspberry Pi image on an x86 machine: builds Dockerfile.arm64 under qemu
# emulation with podman, starts it, and checks /healthz, first-run setup, sign-in, the health
# check, the CPU it runs on and a clean stop. Takes about a quarter of an hour (everything,
# the compiler included, runs emulated), so it is not part of every CI run. Run as root:
#
#   bash scripts/container-arm64.sh
#
# Same set-up as scripts/container-ci.sh (see scripts/container-lib.sh), in a store of its
# own (/var/cache/backboard-podman-arm64) so that the two base images never share a tag.
# On a Pi itself none of this is needed: see the README, "Install on a Raspberry Pi".
set -euo pipefail
cd "$(dirname "$0")/.."
export BB_STORE=${BB_STORE:-/var/cache/backboard-podman-arm64}
source scripts/container-lib.sh

started=$SECONDS
IMAGE=backboard:arm64
NAME=backboard-arm64-check
VOLUME=backboard-arm64-check-data

bb_install_podman
bb_configure_podman
exec 9>"$BB_STORE/.lock"
flock 9
bb_enable_arm64_emulation

step=$SECONDS
bb_make_base arm64
base_seconds=$((SECONDS - step))

bb_say "building $IMAGE from ./Dockerfile.arm64 under emulation"
npm_config=$(bb_npm_build_config)
step=$SECONDS
podman build --pull=never --format docker --layers --platform linux/arm64 \
  -v "$npm_config:/usr/local/etc:ro" \
  -f Dockerfile.arm64 -t "$IMAGE" . >"$BB_STORE/build.log" 2>&1 || {
  tail -n 40 "$BB_STORE/build.log" >&2
  bb_die "podman build failed (the whole log: $BB_STORE/build.log)"
}
build_seconds=$((SECONDS - step))
size=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')
arch=$(podman image inspect --format '{{.Architecture}}' "$IMAGE")
[ "$arch" = arm64 ] || bb_die "the image is for $arch, not arm64"
leftover=$(podman run --rm --pull=never --no-healthcheck "$IMAGE" ls -A /usr/local/etc)
[ -z "$leftover" ] || bb_die "the image keeps build-only files in /usr/local/etc: $leftover"

bb_say "starting it"
podman rm -f "$NAME" >/dev/null 2>&1 || true
podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
cleanup() {
  podman rm -f "$NAME" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
podman run -d --name "$NAME" -p 127.0.0.1::8080 -v "$VOLUME:/data" "$IMAGE" >/dev/null
port=$(podman port "$NAME" 8080 | head -n 1 | sed 's/.*://')
base=http://127.0.0.1:$port
step=$SECONDS
until curl -sf --max-time 5 "$base/healthz" >/dev/null; do
  [ $((SECONDS - step)) -lt 180 ] || {
    podman logs "$NAME" | tail -n 20 >&2
    bb_die "no answer on /healthz after 180 s"
  }
  sleep 2
done
start_seconds=$((SECONDS - step))

machine=$(podman exec "$NAME" uname -m)
[ "$machine" = aarch64 ] || bb_die "the container runs on $machine, not aarch64"
user=$(podman exec "$NAME" id -un)
[ "$user" = node ] || bb_die "the server runs as $user, not node"
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"shopName":"Pi Bakery","timezone":"Europe/London","displayName":"Olive Owner","username":"olive","password":"ovens warm up early"}' \
  "$base/api/setup")
[ "$status" = 201 ] || bb_die "setup answered $status"
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"username":"olive","password":"ovens warm up early"}' "$base/api/auth/login")
[ "$status" = 200 ] || bb_die "sign-in answered $status"
podman healthcheck run "$NAME" >/dev/null 2>&1 || bb_die "the health check failed"
health=$(podman inspect --format '{{.State.Health.Status}}' "$NAME")
[ "$health" = healthy ] || bb_die "health is $health"

step=$SECONDS
podman stop -t 10 "$NAME" >/dev/null
stop_seconds=$((SECONDS - step))
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || bb_die "the server exited with $code on stop"
[ "$stop_seconds" -lt 10 ] || bb_die "stopping took $stop_seconds s"

bb_say "arm64 image proven: base ${base_seconds} s, build ${build_seconds} s, $size; answered after ${start_seconds} s" \
  "on $machine as $user; setup, sign-in and health check ok; stopped in ${stop_seconds} s with exit code 0;" \
  "$((SECONDS - started)) s in all"
