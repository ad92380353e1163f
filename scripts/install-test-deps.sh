#!/usr/bin/env bash
# Debian packages the test suite needs beyond npm: PyTorch + ONNX for the exporter and its reference outputs,
# Chromium for the playground's browser tests, Redis for the distributed-store tests, pyflakes for the Python lint
# (ruff is neither in Debian nor reachable from PyPI here).
set -euo pipefail
packages=(python3-torch python3-onnx python3-numpy python3-pyflakes chromium redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies already installed"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
