#!/usr/bin/env bash
# What the tests need from Debian, installed when missing and we can (root with apt-get):
# - chromium: the browser tests drive /usr/bin/chromium with playwright-core, which never downloads a browser;
# - ffmpeg: the video tests encode their videos with it, and pinbox takes a video Pin's
#   cover from a frame (cover_image_key_frame_time) with it.
# Otherwise say how to install them, and let the tests say it again.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing=()
[ -x "$chromium" ] || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# - curl, jq, openssl: the README's examples use them, and test/readme.test.ts runs those examples.
for tool in curl jq openssl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-tools: installing Debian's ${missing[*]} for the tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "ensure-debian-tools: ${missing[*]} missing; install with 'sudo apt-get install -y ${missing[*]}' (the tests need them)" >&2
