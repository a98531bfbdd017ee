#!/usr/bin/env bash
# The main job: set up, then compile and run a Qwen3 model. With no argument it synthesizes a
# small Qwen3 model with random weights and the real tokenizer (so it works on a fresh machine
# with no download); its answers are gibberish, its speed and the pipeline are real.
#   scripts/demo.sh [MODEL_DIR] [PROMPT]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

model="${1:-}"
prompt="${2:-What is the capital of France?}"
if [ -z "$model" ]; then
  model=build/demo-tiny
  echo "demo: no model directory given; synthesizing a tiny Qwen3 with RANDOM weights in $model" >&2
  build/q3c synth --preset tiny --dtype bf16 --seed 1 -o "$model"
fi
echo "demo: the pass pipeline on its graph:" >&2
build/q3c dump-ir "$model" --time-passes > /dev/null
ids="151644 872 198 9707 11 1246 525 498 30 151645 198 151644 77091 198"
echo "demo: greedy continuation of the ids [$ids]:" >&2
build/q3c generate "$model" --ids "$ids" --max-new 32 --print-ids
if [ -f "$model/tokenizer.json" ]; then
  echo "demo: q3c run -p \"$prompt\" (chat template, streaming, greedy):" >&2
  build/q3c run "$model" -p "$prompt" -n 48 --greedy --no-think
fi
