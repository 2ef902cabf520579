#!/usr/bin/env bash
# Installs Backboard on Raspberry Pi OS (64-bit, Bookworm or later) without Docker:
# Node.js LTS, a system user, the app in /opt/backboard, data in /var/lib/backboard and
# a systemd service that starts at boot. Run from a checkout of Backboard:
#   sudo bash scripts/install-pi.sh
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "Run with sudo." >&2; exit 1; }
HERE="$(cd "$(dirname "$0")/.." && pwd)"

echo "--- Node.js"
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  # NodeSource's LTS line; Debian's own nodejs package is too old on Bookworm.
  apt-get update
  apt-get install -y ca-certificates curl gnupg
  curl -fsSL https://deb.nodesource.com/setup_24.x | bash -
  apt-get install -y nodejs
fi
apt-get install -y python3 make g++   # to build better-sqlite3 for this CPU if needed

echo "--- user and folders"
id backboard >/dev/null 2>&1 || useradd --system --home /var/lib/backboard --shell /usr/sbin/nologin backboard
install -d -o backboard -g backboard -m 0750 /var/lib/backboard
install -d -m 0755 /etc/backboard
[ -f /etc/backboard/backboard.env ] || cat > /etc/backboard/backboard.env <<'ENV'
# Settings for Backboard (see README, Configuration). Restart after changes:
#   sudo systemctl restart backboard
PORT=8080
# PUBLIC_URL=https://backboard.example.com
ENV

echo "--- build"
rm -rf /opt/backboard
install -d /opt/backboard
cp -r "$HERE/." /opt/backboard/
rm -rf /opt/backboard/node_modules /opt/backboard/dist /opt/backboard/data
cd /opt/backboard
npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev

echo "--- service"
install -m 0644 deploy/systemd/backboard.service /etc/systemd/system/backboard.service
systemctl daemon-reload
systemctl enable --now backboard
sleep 3
systemctl --no-pager status backboard | head -n 5
echo "Backboard is running: open http://$(hostname -I | awk '{print $1}'):8080"
