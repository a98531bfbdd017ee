#!/usr/bin/env bash
# Encode throughput of q3c's tokenizer beside Hugging Face tokenizers (npm tokenizers@0.23.2) on
# the same generated mixed text, in one run, both single-threaded; also checks both give the
# same ids and reports q3c's load time. Not part of the test suite.
#   bench/tokenizer/run.sh [BUILD_DIR] [MB]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
MB="${2:-8}"
JSON=.cache/tokenizer/tokenizer.json
NODE_PREFIX=.cache/node
[ -f "$JSON" ] || scripts/fetch_tokenizer.sh
[ -d "$NODE_PREFIX/node_modules/tokenizers" ] || npm install --silent --prefix "$NODE_PREFIX" tokenizers@0.23.2
[ -x "$BUILD/tokenizer_bench" ] || cmake --build "$BUILD" --target tokenizer_bench

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$BUILD/tokenizer_bench" "$JSON" --mb "$MB" --write-text "$work/text.txt"
# One thread for Hugging Face too: no rayon pool, no parallel encode.
RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node bench/tokenizer/hf_bench.mjs "$NODE_PREFIX" "$JSON" "$work/text.txt" "$work/hf_ids.txt"
"$BUILD/tokenizer_bench" "$JSON" --text "$work/text.txt" --compare-ids "$work/hf_ids.txt"

# Correctness beside speed: random strings through both tokenizers. Differences are expected only
# for characters that Unicode assigned after version 14 (see docs/tokenizer.md), so they are
# reported, not fatal.
node bench/tokenizer/hf_fuzz.mjs "$NODE_PREFIX" "$JSON" "$work/fuzz.jsonl" 5000 1 >/dev/null
("$BUILD/tokenizer_bench" "$JSON" --check "$work/fuzz.jsonl" || true) | tail -1
