#!/usr/bin/env bash
# Installs what `npm run bench` and `npm run bench:http1` drive for real: wrk (the neutral load
# generator) and nginx (the reference proxy and `return 200` upstream); skips what is there.
set -uo pipefail
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "install-bench-deps: missing ${need[*]} and cannot apt-get; the bench falls back where it can" >&2
  fi
fi
exit 0
