#!/usr/bin/env bash
# Times `npm install` in a fresh clone of this repository's HEAD with an empty npm cache (what a new machine
# does), and checks that nothing was compiled. Usage: bash scripts/measure-install.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/clone"
cd "$work/clone"
start=$(date +%s.%N)
nice -n 10 npm install --no-audit --no-fund --cache "$work/cache" > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
end=$(date +%s.%N)
if grep -qiE 'gyp|warn Unknown (project|user) config' "$work/install.log"; then cat "$work/install.log"; echo "install: compiler or config warning seen"; exit 1; fi
node -e "require('libsql'); require('sharp'); require('onnxruntime-node'); console.log('native modules load')"
echo "install: $(echo "$end - $start" | bc) s (fresh clone, empty npm cache)"
