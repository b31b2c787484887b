#!/usr/bin/env bash
# Installs the system tools the test suites drive for real (curl, openssl, chromium for the graph and
# productpage, prometheus + promtool for the metrics, zsh and fish for the completion scripts, wrk and
# nginx for the bench smoke run: its neutral load generator and reference proxy); skips what is there.
set -uo pipefail
need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v zsh >/dev/null 2>&1 || need+=(zsh)
command -v fish >/dev/null 2>&1 || need+=(fish)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "install-test-deps: missing ${need[*]} and cannot apt-get; suites that need them will skip" >&2
  fi
fi
bash "$(dirname "$0")/install-chromium.sh"
exit 0
