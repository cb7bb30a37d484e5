#!/usr/bin/env bash
# Playwright cannot download its browsers here; it uses the system Chromium (Debian's package).
set -euo pipefail
CHROMIUM="${KEYCARD_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "==> installing Chromium for the browser tests"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing at $CHROMIUM: install it (apt-get install chromium) or set KEYCARD_CHROMIUM" >&2
  exit 1
fi
