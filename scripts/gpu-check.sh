#!/usr/bin/env bash
# The GPU check of issue 13 in one command: fp16-vs-fp32 synthesis parity, the engine-vs-PyTorch parity tests, and
# `npm run bench`, all on CUDA. `--cpu` runs the same steps on the CPU provider with fewer rounds (what CI and
# machines without a GPU can run). The demo pack is copied to a temp folder and given its fp16 synthesis there
# (models/demo is left as it is).
#   bash scripts/gpu-check.sh            CUDA (onnxruntime-node installed with --onnxruntime-node-install=cuda12)
#   bash scripts/gpu-check.sh --cpu      the CPU half
set -euo pipefail
cd "$(dirname "$0")/.."
provider=cuda
rounds=5
if [[ "${1:-}" == "--cpu" ]]; then provider=cpu; rounds=2; fi
pack="$(mktemp -d)/demo"
trap 'rm -rf "$(dirname "$pack")"' EXIT
cp -r models/demo "$pack"

echo "== fp16 synthesis of the demo pack (exporter --into --fp16-synthesis)"
/usr/bin/python3 -m models.export --into "$pack" --fp16-synthesis

echo "== fp16 vs fp32 synthesis on $provider (mean abs ≤ 2/255)"
npx tsx scripts/fp16-parity.ts "$pack" --provider "$provider" --batch 4

echo "== engine vs PyTorch reference outputs on $provider (test/parity)"
ORT_PROVIDER="$provider" npx vitest run test/parity

echo "== npm run bench on $provider"
if [[ "$provider" == cuda ]]; then
  npm run bench -- --provider cuda --rounds "$rounds" --json bench-gpu.json
else
  npm run bench -- --provider cpu --rounds "$rounds" --no-ffhq256 --no-jobs
fi
