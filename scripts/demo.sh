#!/usr/bin/env bash
# The main job: set up, then compile and run a Qwen3 model. With no argument it synthesizes a
# small Qwen3 model with random weights (so it works on a fresh machine with no download).
#   scripts/demo.sh [MODEL_DIR] [PROMPT_IDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

model="${1:-}"
if [ -z "$model" ]; then
  model=build/demo-tiny
  echo "demo: no model directory given; synthesizing a tiny Qwen3 with RANDOM weights in $model" >&2
  build/q3c synth --preset tiny --dtype bf16 --seed 1 -o "$model"
fi
ids="${2:-151644 872 198 9707 11 1246 525 498 30 151645 198 151644 77091 198}"
echo "demo: graph of $model has $(build/q3c dump-ir "$model" | grep -c ' = ') nodes" >&2
echo "demo: prompt ids: $ids" >&2
echo "demo: greedy continuation (ids):" >&2
build/q3c generate "$model" --ids "$ids" --max-new 32 --print-ids
