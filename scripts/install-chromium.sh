#!/usr/bin/env bash
# Installs Chromium from Debian for the browser tests (productpage, graph), which drive the system binary
# with playwright-core; does nothing when a Chromium or Chrome is already on PATH. Idempotent.
set -uo pipefail
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then
    exit 0
  fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "install-chromium: no chromium and cannot apt-get; the browser tests will skip" >&2
fi
exit 0
