#!/usr/bin/env bash
# Builds the Docker image with podman on a machine with no Docker engine and no image
# registry (only Debian's packages and the npm registry), so that the container tests in
# test/container/ run for real. Run as root from a checkout; .ci/run calls it before npm test.
#
#   bash scripts/container-ci.sh          # then: DOCKER_HOST=unix:///run/backboard-podman/podman.sock
#
# 1. installs podman (with runc) and debootstrap from Debian, configured under
#    /var/cache/backboard-podman (BB_STORE) rather than the machine's own podman set-up;
# 2. makes the Node 24 base image once (see scripts/container-lib.sh); later runs reuse it,
#    and the build's layer cache, from the same folder;
# 3. builds ./Dockerfile as backboard:test with --pull=never (nothing is pulled) and
#    --format docker (keeps HEALTHCHECK), giving npm the machine's CA bundle through a
#    read-only mount that never becomes part of the image, and checks that it did not;
# 4. leaves podman's Docker-compatible API listening for testcontainers.
# Idempotent; a second run takes seconds when nothing the image holds has changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container-lib.sh

started=$SECONDS
IMAGE=${BB_IMAGE:-backboard:test}

bb_install_podman
bb_configure_podman
# One run at a time per store: a second CI run on this machine waits here.
exec 9>"$BB_STORE/.lock"
flock 9

# Leftovers of interrupted test runs (testcontainers' reaper cannot run here), and images
# and build layers nobody used for a week.
podman container prune -f --filter label=org.testcontainers=true --filter until=1h >/dev/null 2>&1 || true
podman image prune -f --filter until=168h >/dev/null 2>&1 || true

bb_make_base amd64

# Tagged twice: backboard:test, and backboard:src-<hash of the sources> for the tests, which
# use only the image of the tree they run in. Tags of other trees go after a day.
SOURCE_TAG=backboard:src-$(node scripts/container-source-hash.mjs)
podman images --filter reference='localhost/backboard:src-*' --filter until=24h --format '{{.Repository}}:{{.Tag}}' |
  xargs -r -I{} podman untag {} {} >/dev/null 2>&1 || true

bb_say "building $IMAGE ($SOURCE_TAG) from ./Dockerfile"
npm_config=$(bb_npm_build_config)
build_started=$SECONDS
podman build --pull=never --format docker --layers \
  -v "$npm_config:/usr/local/etc:ro" \
  -f Dockerfile -t "$IMAGE" -t "$SOURCE_TAG" . >"$BB_STORE/build.log" 2>&1 || {
  tail -n 40 "$BB_STORE/build.log" >&2
  bb_die "podman build failed (the whole log: $BB_STORE/build.log)"
}
bb_say "built in $((SECONDS - build_started)) s: $(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')"

# Nothing given to the build for CI may stay in the image.
leftover=$(podman run --rm --pull=never --no-healthcheck "$IMAGE" ls -A /usr/local/etc)
[ -z "$leftover" ] || bb_die "the image keeps build-only files in /usr/local/etc: $leftover"

bb_start_socket
bb_say "container set-up done in $((SECONDS - started)) s; for the tests: DOCKER_HOST=unix://$BB_SOCKET"
