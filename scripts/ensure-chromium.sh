#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (/usr/bin/chromium) with playwright-core,
# which never downloads a browser. Install it from Debian when it is missing and we
# can (root with apt-get); otherwise say how, and let the browser test say it again.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: $chromium is missing; install it with 'sudo apt-get install -y chromium' (the browser tests need it)" >&2
