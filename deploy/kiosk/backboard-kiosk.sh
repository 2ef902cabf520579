#!/usr/bin/env bash
# Starts Chromium full screen on the Backboard wall page, and keeps it there.
# Used by backboard-kiosk.service (systemd user unit) or backboard-kiosk.desktop (autostart).
set -u

URL="${BACKBOARD_WALL_URL:-http://localhost:8080/wall}"
BROWSER="$(command -v chromium-browser || command -v chromium || echo chromium)"
PROFILE="${XDG_CONFIG_HOME:-$HOME/.config}/backboard-kiosk"

# Wait for the server (after a power cut the Pi may boot faster than the network or server).
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "${URL%/wall}/healthz"; then break; fi
  sleep 2
done

# Never blank or power down the screen.
if [ -n "${DISPLAY:-}" ] && command -v xset >/dev/null; then
  xset s off
  xset s noblank
  xset -dpms
fi
# Hide the mouse pointer: unclutter under X11; under Wayland park it in a corner. The wall
# page also sets cursor: none.
if [ -z "${WAYLAND_DISPLAY:-}" ] && [ -n "${DISPLAY:-}" ] && command -v unclutter >/dev/null; then
  unclutter -idle 0.5 -root &
elif [ -n "${WAYLAND_DISPLAY:-}" ] && command -v wlrctl >/dev/null; then
  wlrctl pointer move 10000 10000 || true
fi

# A crash or a power cut must not leave a "restore pages?" bubble on the wall.
mkdir -p "$PROFILE/Default"
if [ -f "$PROFILE/Default/Preferences" ]; then
  sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$PROFILE/Default/Preferences"
fi

# The profile keeps the display's session cookie, so the screen stays paired across reboots.
exec "$BROWSER" \
  --user-data-dir="$PROFILE" \
  --kiosk --app="$URL" \
  --noerrdialogs --disable-infobars --disable-session-crashed-bubble \
  --disable-features=Translate,TranslateUI --disable-pinch --overscroll-history-navigation=0 \
  --check-for-update-interval=31536000 --autoplay-policy=no-user-gesture-required \
  --password-store=basic
