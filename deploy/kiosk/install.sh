#!/usr/bin/env bash
# Sets up a Raspberry Pi (Raspberry Pi OS with desktop, Bookworm or later) as a Backboard
# wall screen: Chromium starts full screen on the wall page at every boot, the screen never
# blanks, and the pointer is hidden. Run as the desktop user (not root):
#   bash deploy/kiosk/install.sh http://backboard.local:8080/wall
set -euo pipefail
URL="${1:-http://localhost:8080/wall}"
HERE="$(cd "$(dirname "$0")" && pwd)"

sudo apt-get update
sudo apt-get install -y chromium-browser unclutter curl || sudo apt-get install -y chromium unclutter curl

# Screen blanking off (raspi-config: Display Options → Screen Blanking → No).
if command -v raspi-config >/dev/null; then sudo raspi-config nonint do_blanking 1; fi
# Boot to the desktop with automatic login, so the wall comes back by itself after a power cut.
if command -v raspi-config >/dev/null; then sudo raspi-config nonint do_boot_behaviour B4; fi

install -D -m 0755 "$HERE/backboard-kiosk.sh" "$HOME/.local/bin/backboard-kiosk.sh"
install -D -m 0644 "$HERE/backboard-kiosk.service" "$HOME/.config/systemd/user/backboard-kiosk.service"
sed -i "s|^Environment=BACKBOARD_WALL_URL=.*|Environment=BACKBOARD_WALL_URL=$URL|" "$HOME/.config/systemd/user/backboard-kiosk.service"
systemctl --user daemon-reload
systemctl --user enable backboard-kiosk.service

# The wall page itself hides the pointer (cursor: none); on Wayland desktops (labwc) the
# pointer is also parked in a corner at start if wlrctl is available.
sudo apt-get install -y wlrctl 2>/dev/null || true

echo "Done. Reboot: the wall shows a pairing code; a manager pairs it from Members → Displays."
