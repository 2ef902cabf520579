# shellcheck shell=bash
# Shared by scripts/container-ci.sh and scripts/container-arm64.sh (sourced, not run).
#
# Podman from Debian, set up for a machine with no Docker engine, no systemd and no image
# registry, and a stand-in for the official node:24-bookworm-slim image made locally: a
# `debootstrap --variant=minbase bookworm` root with the official Node 24 build (the npm
# registry's node-linux-<arch> package), npm 11, a `node` user (uid 1000) and an entry point
# that behaves like the official one. Everything is kept under one folder per store, so a
# later run on the same machine reuses the base image and the build's layer cache.

BB_STORE=${BB_STORE:-/var/cache/backboard-podman}
BB_RUN=/run/$(basename "$BB_STORE")
BB_SOCKET=$BB_RUN/podman.sock
BB_BASE_TAG=docker.io/library/node:24-bookworm-slim
BB_DEBIAN_MIRROR=${BB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BB_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

bb_say() { printf -- '--- %s\n' "$*"; }
bb_die() {
  printf 'container setup failed: %s\n' "$*" >&2
  exit 1
}

# Debian's podman 4.3 with runc (crun 1.8 refuses this VM's cgroup layout), netavark for
# networking, debootstrap for the base image, and podman-compose for the compose test.
bb_install_podman() {
  [ "$(id -u)" = 0 ] || bb_die "run as root (podman here runs rootful)"
  local packages=(podman runc netavark aardvark-dns catatonit slirp4netns uidmap fuse-overlayfs iptables
    debootstrap podman-compose curl ca-certificates)
  local missing=()
  local p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  bb_say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || bb_die "apt-get update failed"
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/dev/null || bb_die "apt-get install ${missing[*]} failed"
}

# containers.conf and storage.conf of this store, given to podman through the environment
# so that the machine's own podman set-up (if any) is left alone.
bb_configure_podman() {
  mkdir -p "$BB_STORE/storage" "$BB_RUN"
  # Podman's default ulimits (nofile 1048576) exceed this VM's hard limits; use the hard limits.
  local nofile nproc
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=32768
  [ "$nproc" -gt 32768 ] && nproc=32768
  cat >"$BB_STORE/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
EOF
  cat >"$BB_STORE/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$BB_STORE/storage"
runroot = "$BB_RUN/runroot"
EOF
  export CONTAINERS_CONF="$BB_STORE/containers.conf"
  export CONTAINERS_STORAGE_CONF="$BB_STORE/storage.conf"
  podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' >/dev/null ||
    bb_die "podman does not start with $BB_STORE/containers.conf"
}

# binfmt_misc and qemu-user-static, so that arm64 programs run on this x86 machine.
bb_enable_arm64_emulation() {
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
    bb_die "cannot mount binfmt_misc"
  if ! dpkg-query -W -f='${Status}' qemu-user-static binfmt-support 2>/dev/null | grep -q '^install ok installed.*install ok installed$'; then
    bb_say "installing qemu-user-static binfmt-support"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || bb_die "apt-get update failed"
    apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends qemu-user-static binfmt-support >/dev/null ||
      bb_die "apt-get install qemu-user-static failed"
  fi
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 ||
    bb_die "cannot register qemu-aarch64"
}

# Makes the base image for $1 (amd64 or arm64) and tags it $BB_BASE_TAG, unless this store
# already has one made by the same recipe (its label holds the recipe's hash).
bb_make_base() {
  local arch=$1
  local recipe
  recipe=$( (
    declare -f bb_make_base_now
    cat "$BB_HERE/docker-entrypoint.sh"
  ) | sha256sum | cut -c1-16)
  if podman image exists "$BB_BASE_TAG" &&
    [ "$(podman image inspect --format '{{.Architecture}} {{index .Labels "backboard.base-recipe"}}' "$BB_BASE_TAG")" = "$arch $recipe" ]; then
    bb_say "base image $BB_BASE_TAG ($arch) is already here"
    return 0
  fi
  bb_make_base_now "$arch" "$recipe"
}

bb_make_base_now() {
  local arch=$1 recipe=$2
  local npm_arch=${arch/amd64/x64}
  bb_say "making the base image $BB_BASE_TAG for $arch (debootstrap, Node 24 from the npm registry)"
  rm -rf "$BB_STORE"/base.* # left by an interrupted run
  local work
  work=$(mktemp -d "$BB_STORE/base.XXXXXX")
  local root=$work/root
  debootstrap --variant=minbase --arch="$arch" bookworm "$root" "$BB_DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    bb_die "debootstrap failed"
  }
  # Slim like debian:bookworm-slim: no manuals, docs or translations, now or from later installs.
  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$root"/usr/share/{man,groff,info,lintian,locale}/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  find "$root/var/log" -type f -delete
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $BB_DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${BB_DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # The node user and group (uid and gid 1000), as in the official image.
  groupadd --prefix "$root" --gid 1000 node
  useradd --prefix "$root" --uid 1000 --gid node --shell /bin/bash --create-home node
  # Node 24 (the official build, from the npm registry) and npm 11.
  (cd "$work" && npm pack --silent "node-linux-$npm_arch@24" "npm@11" >packs.txt) || bb_die "npm pack failed"
  mkdir "$work/node" "$root/usr/local/lib/node_modules/npm" -p
  tar -xzf "$work"/node-linux-"$npm_arch"-*.tgz -C "$work/node" --strip-components=1
  install -m 0755 "$work/node/bin/node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/include"
  cp -a "$work/node/include/node" "$root/usr/local/include/node"
  tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  install -m 0755 "$BB_HERE/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  local version
  version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$work/node/package.json" | head -n 1)
  tar -C "$root" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . |
    podman import --quiet --arch "$arch" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "ENV NODE_VERSION=$version" \
      --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
      --change 'CMD ["node"]' \
      --change "LABEL backboard.base-recipe=$recipe" \
      - "$BB_BASE_TAG" >/dev/null || bb_die "podman import failed"
  rm -rf "$work"
  bb_say "base image made: Node $version, $(podman image inspect --format '{{.Size}}' "$BB_BASE_TAG" | awk '{printf "%d MB", $1/1e6}')"
}

# npm's global config folder for the build only: the machine's CA bundle and registry, and
# nodedir (node-gyp cannot download headers here; better-sqlite3 compiles from source because
# its prebuilt download is unreachable). Mounted read-only at /usr/local/etc during RUN steps;
# it never becomes part of an image.
bb_npm_build_config() {
  local dir=$BB_STORE/npm-build-config
  mkdir -p "$dir"
  local ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
  cp "$ca" "$dir/ca-certificates.crt"
  {
    echo "registry=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
    echo "cafile=/usr/local/etc/ca-certificates.crt"
    echo "nodedir=/usr/local"
    echo "update-notifier=false"
  } >"$dir/npmrc"
  echo "$dir"
}

# Podman's Docker-compatible API on $BB_SOCKET, for testcontainers (DOCKER_HOST). Started
# once and left running; it exits by itself after an hour without a client.
bb_start_socket() {
  # A service started from a checkout that has since been deleted answers pings but fails
  # every build and run ("write child: broken pipe"): replace it.
  local old
  old=$(cat "$BB_RUN/service.pid" 2>/dev/null || true)
  if [ -n "$old" ] && readlink "/proc/$old/cwd" 2>/dev/null | grep -q '(deleted)$'; then
    bb_say "podman API on $BB_SOCKET runs in a deleted folder: restarting it"
    kill "$old" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
  fi
  if curl -sf --max-time 5 --unix-socket "$BB_SOCKET" http://d/_ping >/dev/null 2>&1; then
    bb_say "podman API already answering on $BB_SOCKET"
    return 0
  fi
  rm -f "$BB_SOCKET"
  bb_say "starting podman's API on $BB_SOCKET"
  # (9>&-: the service must not keep container-ci.sh's lock.)
  # From /, so that removing this checkout cannot pull the folder from under it.
  (cd / && exec setsid podman system service --time="${BB_SOCKET_IDLE:-3600}" "unix://$BB_SOCKET" \
    >"$BB_STORE/service.log" 2>&1 </dev/null 9>&-) &
  echo $! >"$BB_RUN/service.pid"
  local _
  for _ in $(seq 1 50); do
    curl -sf --max-time 5 --unix-socket "$BB_SOCKET" http://d/_ping >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  tail -n 20 "$BB_STORE/service.log" >&2
  bb_die "podman's API did not answer on $BB_SOCKET"
}
